#pragma once

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

    // The HTTP server answered the current request; the next one starts fresh.
    void requestDone();

    // Answers with an error and closes, so that the HTTP server never parses this request.
    void reject(int status, const QString &message);

private:
    void onReadyRead();
    void onTimeout();

    QTcpSocket *m_socket;
    ConnectionLimits m_limits;
    QTimer m_timer;
    bool m_continueSent = false;
    bool m_rejected = false;
};

} // namespace Herald
