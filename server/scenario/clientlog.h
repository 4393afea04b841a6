#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace Herald {

// Everything one virtual client saw, in order, so that expectations can be checked after the
// fact and a failure can point at the exact event, attempt or disconnect behind it. Times are
// wall-clock ms since the epoch, the clock the fault log and the publish timestamps use.
struct ClientLog
{
    struct Event
    {
        QByteArray id; // the event's last event ID (Herald: the decimal event id)
        QByteArray type;
        QByteArray data;
        qint64 receivedAtMs = 0;
        int connection = 0; // 1-based index of the attempt whose stream delivered it
        // From the publish convention {"seq":N,"t":ms}; -1 when the data does not carry them.
        qint64 seq = -1;
        qint64 publishedAtMs = -1;
        qint64 latencyMs() const { return publishedAtMs < 0 ? -1 : receivedAtMs - publishedAtMs; }
    };

    // One GET /events, whatever came of it.
    struct Attempt
    {
        int index = 0; // 1-based
        qint64 atMs = 0;
        bool sentLastEventId = false;
        QByteArray lastEventIdSent; // as sent; empty when none was sent
        int status = 0; // 0: no response (network error)
        QByteArray contentType;
        QByteArray replay; // Herald-Replay, empty when absent
        QByteArray serverClientId; // Herald-Client-Id, empty when absent
        bool opened = false; // 200 with text/event-stream: the stream was announced
        qint64 openedAtMs = 0; // when the response head arrived, if opened
        QString error; // why it did not open, if it did not
    };

    // The end of a connection (or of an attempt that never got an answer) after which the
    // client is to reconnect.
    struct Disconnect
    {
        qint64 atMs = 0;
        int connection = 0; // the attempt it ends
        QString reason;
        bool wasOpen = false; // false: the attempt failed before the stream opened
        bool endedInsideEvent = false; // the body stopped in the middle of an event
        QByteArray lastEventId; // the parser's last event ID string at that moment
        int retryMs = 0; // the reconnection time the stream had set (or the default)
        int plannedDelayMs = 0; // what this client is going to wait (its own behaviour)
    };

    QString name;
    QString group;
    QString behaviour;
    QStringList topics;
    std::vector<Event> events;
    std::vector<Attempt> attempts;
    std::vector<Disconnect> disconnects;

    // Stopped for good by the protocol (non-200, wrong content type, 204): HTML's "fail the
    // connection". A client stopped by its owner at the end of a run is not "failed".
    bool failed = false;
    qint64 failedAtMs = 0;
    QString failReason;
    bool stoppedByOwner = false;
    qint64 stoppedAtMs = 0;

    int opens() const
    {
        int count = 0;
        for (const Attempt &attempt : attempts)
            count += int(attempt.opened);
        return count;
    }
    qint64 firstOpenMs() const
    {
        for (const Attempt &attempt : attempts) {
            if (attempt.opened)
                return attempt.openedAtMs;
        }
        return -1;
    }
};

} // namespace Herald
