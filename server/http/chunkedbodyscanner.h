#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace Herald {

// Follows a chunked request body (RFC 9112, 7.1) as it arrives, without keeping its data, to
// find where it ends and to refuse framing that is not well formed. A chunk size that is not
// hexadecimal, or too large to be one, would otherwise be read differently by a proxy in front
// and by the HTTP server here, and the two would disagree where the next request starts.
class ChunkedBodyScanner
{
public:
    enum class Status {
        NeedMore, // every byte given belongs to the body, which goes on
        Done, // the body ended; `used` says where
        Malformed, // error() says how
        TooLarge, // more data than the limit
    };

    explicit ChunkedBodyScanner(qint64 maxDataBytes = 0)
        : m_maxDataBytes(maxDataBytes)
    { }

    void reset(qint64 maxDataBytes);
    // Scans the next bytes of the body. *used is how many of them belong to it: all of them
    // unless the body ends inside (the rest is the next request).
    Status feed(QByteArrayView bytes, qsizetype *used);

    QString error() const { return m_error; }
    qint64 dataBytes() const { return m_dataBytes; }

private:
    enum class State { Size, Data, DataEnd, Trailers, Finished };

    Status fail(Status status, const QString &error);
    Status endOfLine();

    qint64 m_maxDataBytes = 0;
    State m_state = State::Size;
    QByteArray m_line; // the line under way: a chunk size, the end of a chunk or a trailer
    qint64 m_left = 0; // data bytes of the current chunk still to come
    qint64 m_dataBytes = 0;
    QString m_error;
};

} // namespace Herald
