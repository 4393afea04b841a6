#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <optional>
#include <vector>

namespace Herald {

// One event dispatched by EventStreamParser (HTML Living Standard, 9.2.6).
struct SseEvent
{
    QByteArray type; // "message" when no event field was given
    QByteArray data; // data lines joined with '\n', final '\n' removed
    QByteArray lastEventId; // the parser's last-event-id buffer when this event was dispatched
};

inline bool operator==(const SseEvent &lhs, const SseEvent &rhs)
{
    return lhs.type == rhs.type && lhs.data == rhs.data && lhs.lastEventId == rhs.lastEventId;
}

inline bool operator!=(const SseEvent &lhs, const SseEvent &rhs)
{
    return !(lhs == rhs);
}

/*
    Incremental parser for text/event-stream, following the HTML Living Standard,
    "9.2.6 Interpreting an event stream". It is what a browser's EventSource does with the bytes
    of a response, so Herald's virtual clients and the tests see the stream as a browser would.

    Bytes may be fed in chunks split anywhere (inside a CRLF, inside the BOM); each byte is looked
    at once, so megabyte streams cost linear time. One parser lives across reconnections: call
    endOfStream() when a connection ends; the last event ID and the retry value survive it.
    Content is kept as bytes: the parser does not decode UTF-8 nor replace invalid sequences.
*/
class EventStreamParser
{
public:
    // Feeds bytes as they arrive; any split (even inside a CRLF or a UTF-8 BOM) must work.
    void feed(QByteArrayView bytes);
    // Events dispatched so far and not yet taken.
    std::vector<SseEvent> takeEvents();
    // Comment lines (without the leading ':'), taken likewise; heartbeats are comments.
    QList<QByteArray> takeComments();
    // The last event ID string, set at each blank line; persists across reconnects.
    QByteArray lastEventId() const { return m_lastEventId; }
    // Last valid retry value in ms, if any; values beyond INT_MAX are clamped to it.
    std::optional<int> retry() const { return m_retry; }
    // End of the current connection: an event without its terminating blank line is discarded,
    // partial line dropped, BOM state reset for the next connection; lastEventId/retry persist.
    void endOfStream();

private:
    void splitLines(QByteArrayView bytes);
    void processLine(QByteArrayView line);
    void processField(QByteArrayView name, QByteArrayView value);
    void dispatchEvent();

    QByteArray m_line; // the unterminated line carried over from previous feeds
    QByteArray m_data; // the spec's data buffer
    QByteArray m_eventType; // the spec's event type buffer
    QByteArray m_lastEventIdBuffer; // the spec's last event ID buffer
    QByteArray m_lastEventId; // the event source's last event ID string
    std::optional<int> m_retry;
    std::vector<SseEvent> m_events;
    QList<QByteArray> m_comments;
    qsizetype m_bomMatched = 0; // bytes of a BOM seen so far at the start of the stream
    bool m_bomChecked = false; // the start of the stream is past: no BOM to strip any more
    bool m_skipLineFeed = false; // the previous feed ended with CR: a leading LF completes CRLF
};

} // namespace Herald
