#include "http/connectionguard.h"

#include "http/httpreply.h"
#include "logging.h"

#include <QTcpSocket>

#include <utility>

#include <sys/socket.h>

namespace Herald {

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
{
    setObjectName(QStringLiteral("herald-connection-guard"));
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ConnectionGuard::onTimeout);
    m_timer.start(m_limits.requestTimeoutMs);
}

ConnectionGuard *ConnectionGuard::of(QTcpSocket *socket)
{
    return socket->findChild<ConnectionGuard *>(QStringLiteral("herald-connection-guard"),
                                                Qt::FindDirectChildrenOnly);
}

void ConnectionGuard::requestDone()
{
    m_continueSent = false;
    ++m_requests;
    m_midRequest = false;
    m_headComplete = false;
    m_chunked = false;
    m_chunkedDone = false;
    m_head.clear();
    m_contentLength = 0;
    m_bodyBytes = 0;
    m_timer.start(m_limits.idleTimeoutMs);
    if (!m_next.isEmpty() && !m_rejected) {
        // Qt's server reads one request at a time and leaves the rest in the socket, to come
        // again with the next readyRead: those bytes are seen here already.
        m_seenUnread = m_next;
        consume(std::exchange(m_next, {}));
    }
}

void ConnectionGuard::onReadyRead()
{
    if (m_rejected)
        return;
    QByteArray arrived = m_socket->peek(m_socket->bytesAvailable());
    if (!m_seenUnread.isEmpty()) {
        if (arrived.startsWith(m_seenUnread))
            arrived.remove(0, m_seenUnread.size());
        m_seenUnread.clear();
    }
    if (!arrived.isEmpty())
        consume(arrived);
}

void ConnectionGuard::consume(const QByteArray &bytes)
{
    // Once the current request is whole, what comes after it belongs to the next one.
    const bool whole
        = m_headComplete && (m_chunked ? m_chunkedDone : m_bodyBytes >= m_contentLength);
    if (!m_next.isEmpty() || whole) {
        m_next += bytes;
        if (m_next.size() > m_limits.maxHeaderBytes + m_limits.maxBodyBytes + 1024)
            reject(413, QStringLiteral("pipelined requests larger than the limits"));
        return;
    }

    // A request has begun: from now on it has the request timeout to arrive in full.
    if (!m_midRequest) {
        m_midRequest = true;
        m_timer.start(m_limits.requestTimeoutMs);
    }

    QByteArray arrived = bytes; // of the body, once the head is complete
    if (m_headComplete) {
        m_bodyBytes += arrived.size();
    } else {
        m_head += arrived;
        qsizetype headEnd = m_head.indexOf("\r\n\r\n");
        qsizetype separator = 4;
        if (headEnd < 0) {
            headEnd = m_head.indexOf("\n\n");
            separator = 2;
        }
        if (headEnd < 0) {
            if (m_head.size() > m_limits.maxHeaderBytes)
                reject(431,
                       QStringLiteral("request head larger than %1 bytes")
                           .arg(m_limits.maxHeaderBytes));
            return;
        }
        if (headEnd > m_limits.maxHeaderBytes) {
            reject(
                431,
                QStringLiteral("request head larger than %1 bytes").arg(m_limits.maxHeaderBytes));
            return;
        }
        if (!parseHead(headEnd, separator))
            return;
        m_headComplete = true;
        m_bodyBytes = m_head.size() - (headEnd + separator);
        arrived = m_head.mid(headEnd + separator);
        m_head.clear();
    }

    if (m_chunked) {
        qsizetype used = 0;
        switch (m_chunks.feed(arrived, &used)) {
        case ChunkedBodyScanner::Status::NeedMore:
            break;
        case ChunkedBodyScanner::Status::Done:
            // The rest is the start of a pipelined request: hold it until this one is done.
            m_chunkedDone = true;
            m_next = arrived.mid(used);
            break;
        case ChunkedBodyScanner::Status::Malformed:
            reject(400, m_chunks.error());
            return;
        case ChunkedBodyScanner::Status::TooLarge:
            reject(413,
                   QStringLiteral("request body larger than %1 bytes").arg(m_limits.maxBodyBytes));
            return;
        }
        return;
    }

    if (m_bodyBytes > m_contentLength) {
        // The rest is the start of a pipelined request: hold it until this one is done.
        const qint64 extra = m_bodyBytes - m_contentLength;
        m_next = arrived.right(extra);
        m_bodyBytes = m_contentLength;
    }

    if (m_contentLength > m_limits.maxBodyBytes || m_bodyBytes > m_limits.maxBodyBytes + 1024) {
        reject(413, QStringLiteral("request body larger than %1 bytes").arg(m_limits.maxBodyBytes));
        return;
    }
}

bool ConnectionGuard::parseHead(qsizetype headEnd, qsizetype separator)
{
    m_contentLength = 0;
    bool expectContinue = false;
    bool lengthSeen = false;
    bool chunked = false;
    const QList<QByteArray> lines = m_head.left(headEnd).split('\n');

    // "METHOD target HTTP/1.x" (RFC 9112, 3): anything else gets an answer, not a silent close.
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3 || requestLine[0].isEmpty()
        || !requestLine[2].startsWith("HTTP/")) {
        reject(400, QStringLiteral("malformed request line"));
        return false;
    }
    if (requestLine[2] != "HTTP/1.1" && requestLine[2] != "HTTP/1.0") {
        reject(505, QStringLiteral("only HTTP/1.0 and HTTP/1.1 are spoken here"));
        return false;
    }

    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            // Two different lengths would let a proxy and us split the stream differently
            // (request smuggling, RFC 9112, 6.3): refuse.
            if (!ok || length < 0 || (lengthSeen && length != m_contentLength)) {
                reject(400, QStringLiteral("malformed or conflicting Content-Length"));
                return false;
            }
            m_contentLength = length;
            lengthSeen = true;
        } else if (name == "transfer-encoding") {
            // Only "chunked" is decoded here (RFC 9112, 6.1: 501 for a coding not understood).
            if (value.toLower() != "chunked") {
                reject(501,
                       QStringLiteral("Transfer-Encoding \"%1\" is not supported; send the body "
                                      "as it is or chunked")
                           .arg(QString::fromLatin1(value.left(40))));
                return false;
            }
            chunked = true;
        } else if (name == "expect" && value.toLower() == "100-continue") {
            expectContinue = true;
        }
    }

    if (chunked && lengthSeen) {
        reject(400, QStringLiteral("both Transfer-Encoding and Content-Length"));
        return false;
    }
    if (m_contentLength > m_limits.maxBodyBytes) {
        reject(413, QStringLiteral("request body larger than %1 bytes").arg(m_limits.maxBodyBytes));
        return false;
    }
    m_chunked = chunked;
    if (chunked)
        m_chunks.reset(m_limits.maxBodyBytes);
    const qint64 bodyArrived = m_head.size() - (headEnd + separator);
    const bool bodyDue = chunked ? bodyArrived == 0 : bodyArrived < m_contentLength;
    if (expectContinue && !m_continueSent && bodyDue) {
        m_continueSent = true;
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    return true;
}

void ConnectionGuard::onTimeout()
{
    if (m_midRequest) {
        reject(408,
               QStringLiteral("request not received within %1 ms").arg(m_limits.requestTimeoutMs));
        return;
    }
    qCDebug(lcHttp) << "closing idle connection from" << m_socket->peerAddress().toString();
    m_socket->disconnectFromHost();
}

void ConnectionGuard::reject(int status, const QString &message)
{
    if (m_rejected)
        return;
    m_rejected = true;
    m_timer.stop();
    qCInfo(lcHttp) << "rejecting request from" << m_socket->peerAddress().toString() << status
                   << message;

    // Nobody else may read this request: disconnecting readyRead here also skips the HTTP
    // server's own handler for the emission that is under way.
    QObject::disconnect(m_socket, &QTcpSocket::readyRead, nullptr, nullptr);
    HeaderList headers = {{"Content-Type", "application/json"}};
    if (!m_limits.allowOrigin.isEmpty())
        headers.append({"Access-Control-Allow-Origin", m_limits.allowOrigin});
    HttpReply::write(m_socket, status, headers, HttpReply::errorBody(message), false, false);
    m_socket->flush();

    // A lingering close: closing with unread input would send RST and could destroy the answer
    // before the client reads it, so stop writing, drain what still arrives, and close once the
    // client does (or after a short grace period).
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    connect(m_socket, &QTcpSocket::readyRead, this, [this] { m_socket->readAll(); });
    m_timer.disconnect(this);
    connect(&m_timer, &QTimer::timeout, m_socket, &QTcpSocket::abort);
    m_timer.start(2000);
}

} // namespace Herald
