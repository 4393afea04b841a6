#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace Herald {

/*
    Reads one HTTP/1.1 response as it arrives on a socket: the head (status line and header
    fields, RFC 9112 section 4 and 5), then the body, delimited by chunked transfer coding, by
    Content-Length or by the end of the connection (RFC 9112, 6.3). Body bytes are handed back
    as soon as they are decoded, so an endless event stream can be fed through it.
*/
class HttpResponseReader
{
public:
    enum class State { Head, Body, Done, Error };

    // Feeds bytes as they arrive; returns the body bytes they completed (possibly none).
    QByteArray feed(QByteArrayView bytes);

    State state() const { return m_state; }
    bool headComplete() const { return m_state == State::Body || m_state == State::Done; }
    // The body ended by its own framing (last chunk, Content-Length reached); a body delimited
    // by the connection only ends with the connection.
    bool bodyComplete() const { return m_state == State::Done; }
    QString error() const { return m_error; }

    int status() const { return m_status; }
    QByteArray reason() const { return m_reason; }
    // The first field of that name (compared case-insensitively), or an empty array.
    QByteArray header(QByteArrayView name) const;
    const QList<QPair<QByteArray, QByteArray>> &headers() const { return m_headers; }
    bool isChunked() const { return m_chunked; }

    static constexpr qsizetype MaxHeadBytes = 64 * 1024;

private:
    void parseHead(QByteArrayView head);
    QByteArray decodeBody(QByteArrayView bytes);
    QByteArray decodeChunked();
    void fail(const QString &error);

    enum class ChunkState { Size, Data, DataEnd, Trailers };

    State m_state = State::Head;
    QString m_error;
    QByteArray m_buffer; // undecoded bytes (the head, or a partial chunk line)
    int m_status = 0;
    QByteArray m_reason;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    bool m_chunked = false;
    qint64 m_remaining = -1; // Content-Length bytes still to come; -1: until close
    ChunkState m_chunkState = ChunkState::Size;
    qint64 m_chunkLeft = 0;
};

} // namespace Herald
