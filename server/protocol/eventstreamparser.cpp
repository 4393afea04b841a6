#include "eventstreamparser.h"

#include "logging.h"

#include <algorithm>
#include <climits>
#include <utility>

namespace Herald {

namespace {

constexpr char Bom[] = {'\xEF', '\xBB', '\xBF'};
constexpr qsizetype BomSize = sizeof(Bom);

} // namespace

void EventStreamParser::feed(QByteArrayView bytes)
{
    // 9.2.6: the stream is decoded with "UTF-8 decode", which strips one leading BOM and only
    // one. It may arrive split over feeds, so match it byte by byte; a partial match that turns
    // out not to be a BOM is ordinary content and goes to the line splitter.
    while (!m_bomChecked && !bytes.isEmpty()) {
        if (bytes.front() == Bom[m_bomMatched]) {
            bytes = bytes.sliced(1);
            if (++m_bomMatched == BomSize)
                m_bomChecked = true;
        } else {
            m_bomChecked = true;
            if (m_bomMatched > 0)
                splitLines(QByteArrayView(Bom, m_bomMatched));
        }
    }
    if (m_bomChecked)
        splitLines(bytes);
}

void EventStreamParser::splitLines(QByteArrayView bytes)
{
    const char *const begin = bytes.data();
    const char *const end = begin + bytes.size();
    const char *pos = begin;

    // A CR that ended the previous feed already ended its line; a LF right after it belongs to
    // the same CRLF and must not be read as a second, blank line (which would dispatch).
    if (m_skipLineFeed && pos != end) {
        m_skipLineFeed = false;
        if (*pos == '\n')
            ++pos;
    }

    while (pos != end) {
        // 9.2.6: lines end with CRLF, a lone LF or a lone CR.
        const char *eol = std::find_if(pos, end, [](char c) { return c == '\r' || c == '\n'; });
        if (eol == end) {
            m_line.append(pos, end - pos);
            return;
        }
        const QByteArrayView piece(pos, eol - pos);
        if (m_line.isEmpty()) {
            processLine(piece); // the common case: no copy
        } else {
            m_line.append(piece);
            processLine(m_line);
            m_line.clear();
        }
        pos = eol + 1;
        if (*eol == '\r') {
            if (pos == end)
                m_skipLineFeed = true;
            else if (*pos == '\n')
                ++pos;
        }
    }
}

void EventStreamParser::processLine(QByteArrayView line)
{
    // 9.2.6: a blank line dispatches the event.
    if (line.isEmpty()) {
        dispatchEvent();
        return;
    }
    // 9.2.6: a line starting with a colon is a comment (the spec ignores it; we keep it so that
    // heartbeats can be observed).
    if (line.front() == ':') {
        m_comments.append(line.sliced(1).toByteArray());
        return;
    }
    // 9.2.6: field name up to the first colon; one single leading space of the value is
    // removed. Without a colon, the whole line is the field name and the value is empty.
    const qsizetype colon = line.indexOf(':');
    if (colon < 0) {
        processField(line, QByteArrayView());
        return;
    }
    QByteArrayView value = line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    processField(line.first(colon), value);
}

void EventStreamParser::processField(QByteArrayView name, QByteArrayView value)
{
    // 9.2.6 "process the field": names are compared case-sensitively; unknown ones are ignored.
    if (name == "event") {
        m_eventType = value.toByteArray();
    } else if (name == "data") {
        m_data.append(value);
        m_data.append('\n');
    } else if (name == "id") {
        // An id containing NUL is ignored; an empty one does reset the buffer.
        if (!value.contains('\0'))
            m_lastEventIdBuffer = value.toByteArray();
    } else if (name == "retry") {
        // Only a value made of ASCII digits counts. The spec takes the empty string as such a
        // value but gives it no integer to use, so, like browsers, we ignore it. Values too
        // large for an int are clamped rather than wrapped.
        if (value.isEmpty())
            return;
        qint64 ms = 0;
        for (const char c : value) {
            if (c < '0' || c > '9')
                return;
            ms = std::min<qint64>(ms * 10 + (c - '0'), INT_MAX);
        }
        m_retry = int(ms);
    }
}

void EventStreamParser::dispatchEvent()
{
    // 9.2.6 "dispatch the event": the last event ID string is set even if nothing is
    // dispatched; the id buffer is never reset, so later events keep the id.
    m_lastEventId = m_lastEventIdBuffer;
    if (m_data.isEmpty()) {
        m_eventType.clear();
        return;
    }
    m_data.chop(1); // the LF appended after the last data line
    SseEvent event;
    event.type = m_eventType.isEmpty() ? QByteArrayLiteral("message") : m_eventType;
    event.data = std::exchange(m_data, QByteArray());
    event.lastEventId = m_lastEventId;
    m_events.push_back(std::move(event));
    m_eventType.clear();
}

std::vector<SseEvent> EventStreamParser::takeEvents()
{
    return std::exchange(m_events, {});
}

QList<QByteArray> EventStreamParser::takeComments()
{
    return std::exchange(m_comments, {});
}

void EventStreamParser::endOfStream()
{
    // 9.2.6: at the end of the stream, pending data is discarded, so an event that did not get
    // its blank line is never dispatched.
    if (!m_data.isEmpty() || !m_line.isEmpty())
        qCDebug(lcProtocol) << "event stream ended inside an event:" << m_data.size()
                            << "data bytes and" << m_line.size() << "bytes of partial line dropped";
    m_line.clear();
    m_data.clear();
    m_eventType.clear();
    // The next connection starts from the committed last event ID (what Last-Event-ID sends,
    // and what browsers seed the new parser with); an id field not yet followed by a blank
    // line is dropped along with its event.
    m_lastEventIdBuffer = m_lastEventId;
    m_skipLineFeed = false;
    m_bomMatched = 0;
    m_bomChecked = false;
}

} // namespace Herald
