#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace Herald {

// Encodes the text/event-stream wire format (HTML Living Standard, "Server-sent events",
// "Parsing an event stream"). Every frame is built once per event and then shared by all the
// clients that receive it.
namespace FrameEncoder {

// "id: N", "event: TYPE" (left out for "message" and empty types), "retry: MS" when given, one
// "data:" line per line of the payload, then the blank line that dispatches the event. LF, CRLF
// and lone CR in the payload all start a new data line, so no field value holds a line break.
QByteArray event(qint64 id, QByteArrayView type, QByteArrayView data,
                 std::optional<int> retryMs = std::nullopt);

// "retry: MS" on its own, followed by a blank line.
QByteArray retry(int milliseconds);

// A comment (":" lines) ending with a blank line; each line of text becomes its own comment.
QByteArray comment(QByteArrayView text);

// An event type may not hold CR or LF (they would end the field early) nor be empty.
bool isValidEventType(QByteArrayView type);

} // namespace FrameEncoder
} // namespace Herald
