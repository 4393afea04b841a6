#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QTcpSocket>

namespace Herald::Test {

// A port on 127.0.0.1 that nothing listened on a moment ago.
quint16 freeLoopbackPort();

// One whole HTTP exchange on its own connection ("Connection: close"), for API calls.
struct HttpResult
{
    int status = 0;
    QMap<QByteArray, QByteArray> headers; // names lower-cased
    QByteArray body;
};
HttpResult httpRequest(quint16 port, const QByteArray &method, const QByteArray &target,
                       const QList<QByteArray> &headers = {}, const QByteArray &body = {},
                       int timeoutMs = 5000);
// POST /publish with a JSON body.
HttpResult publishJson(quint16 port, const QByteArray &json, const QList<QByteArray> &headers = {});

// A raw HTTP/1.1 client over a real socket: sends exactly the bytes a test asks for and keeps
// every byte that comes back, so tests can look at the wire itself.
class RawHttpClient : public QObject
{
    Q_OBJECT

public:
    explicit RawHttpClient(quint16 port, QObject *parent = nullptr);

    bool connectToServer(int timeoutMs = 5000);
    void send(const QByteArray &bytes);

    // Sends "GET target" with the given extra header lines (each without CRLF).
    void get(const QByteArray &target, const QList<QByteArray> &headers = {});

    // Status code and headers (names lower-cased) once the response head has arrived.
    bool waitForHead(int timeoutMs = 5000);
    int status() const { return m_status; }
    QByteArray header(const QByteArray &lowerCaseName) const
    {
        return m_headers.value(lowerCaseName);
    }
    bool hasHeader(const QByteArray &lowerCaseName) const
    {
        return m_headers.contains(lowerCaseName);
    }
    QMap<QByteArray, QByteArray> headers() const { return m_headers; }

    // Everything after the response head, as received (chunked bodies de-chunked, as a proxy
    // in front of Herald may send them).
    QByteArray body() const { return m_body; }
    bool waitForBodyContaining(const QByteArray &needle, int timeoutMs = 5000);
    bool waitForBodySize(qsizetype bytes, int timeoutMs = 5000);
    bool waitForDisconnect(int timeoutMs = 5000);
    // The response body ended: the connection closed, or a chunked body got its last chunk.
    bool waitForEndOfBody(int timeoutMs = 5000);
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }

    // Event frames of a Herald stream (which always ends lines with LF), comments left out.
    QList<QByteArray> frames() const;
    // The "id:" values of those frames, in order.
    QList<qint64> ids() const;

    QTcpSocket &socket() { return m_socket; }

private:
    void onReadyRead();

    quint16 m_port;
    QTcpSocket m_socket;
    void appendBody(const QByteArray &bytes);

    QByteArray m_raw;
    QByteArray m_body;
    QByteArray m_chunked; // undecoded rest of a chunked body
    bool m_isChunked = false;
    bool m_lastChunkSeen = false;
    QMap<QByteArray, QByteArray> m_headers;
    int m_status = 0;
    bool m_headDone = false;
};

} // namespace Herald::Test
