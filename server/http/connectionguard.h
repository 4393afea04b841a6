#pragma once

#include "http/chunkedbodyscanner.h"

#include <QObject>
#include <QTimer>

class QTcpSocket;

namespace Herald {

// Limits for plain (non-stream) HTTP connections.
struct ConnectionLimits
{
    qint64 maxHeaderBytes = 64 * 1024;
    qint64 maxBodyBytes = 1024 * 1024;
    int requestTimeoutMs = 10000; // to send a whole request once it has started, or at all
    int idleTimeoutMs = 60000; // between requests on a kept-alive connection
    int maxRequestsPerConnection = 1000; // then the connection closes after its answer
    // Sent with the guard's own refusals too, so that a browser can read why (HttpConfig's).
    QByteArray allowOrigin;
};

// Sits in front of QAbstractHttpServer on every connection and does what Qt 6.4's HTTP server
// does not: answers "Expect: 100-continue" (RFC 9110, 10.1.1) so clients need not wait before
// sending a body, refuses oversized heads (431) and bodies (413) before buffering them, drops
// requests that take too long to arrive (408) and closes idle keep-alive connections.
//
// It sees each readyRead before the HTTP server does because it connects first.
class ConnectionGuard : public QObject
{
    Q_OBJECT

public:
    ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits);

    static ConnectionGuard *of(QTcpSocket *socket);

    // The HTTP server took the current request; the next one starts fresh.
    void requestDone();
    // This connection has served its share of requests: close it after the current answer.
    bool isExhausted() const { return m_requests >= m_limits.maxRequestsPerConnection; }

    // Answers with an error and closes, so that the HTTP server never parses this request.
    void reject(int status, const QString &message);

private:
    void onReadyRead();
    // Takes the next bytes of the connection; those past the end of the current request are
    // kept for the next one (pipelining), which starts when the HTTP server is done with this.
    void consume(const QByteArray &arrived);
    bool parseHead(qsizetype headEnd, qsizetype separator);
    void onTimeout();

    QTcpSocket *m_socket;
    ConnectionLimits m_limits;
    QTimer m_timer;
    bool m_continueSent = false;
    bool m_rejected = false;
    int m_requests = 0;
    // The request under way, as far as it arrived. Qt's HTTP server reads what it gets as it
    // comes, so each readyRead brings only new bytes: the head is gathered here across them.
    bool m_midRequest = false;
    bool m_headComplete = false;
    QByteArray m_head;
    qint64 m_contentLength = 0;
    qint64 m_bodyBytes = 0;
    bool m_chunked = false;
    ChunkedBodyScanner m_chunks; // where a chunked body ends, and whether it is well formed
    bool m_chunkedDone = false;
    QByteArray m_next; // bytes of the request after this one
    QByteArray m_seenUnread; // taken from m_next, still unread by the HTTP server
};

} // namespace Herald
