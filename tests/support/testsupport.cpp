#include "testsupport.h"

#include <QDeadlineTimer>
#include <QTcpServer>
#include <QTest>

namespace Herald::Test {

quint16 freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

HttpResult httpRequest(quint16 port, const QByteArray &method, const QByteArray &target,
                       const QList<QByteArray> &headers, const QByteArray &body, int timeoutMs)
{
    RawHttpClient client(port);
    HttpResult result;
    if (!client.connectToServer(timeoutMs))
        return result;
    QByteArray request
        = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const QByteArray &line : headers)
        request += line + "\r\n";
    if (!body.isEmpty() || method == "POST")
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    request += "\r\n" + body;
    client.send(request);
    if (!client.waitForDisconnect(timeoutMs))
        return result;
    result.status = client.status();
    result.headers = client.headers();
    result.body = client.body();
    return result;
}

HttpResult publishJson(quint16 port, const QByteArray &json, const QList<QByteArray> &headers)
{
    return httpRequest(port, "POST", "/publish",
                       QList<QByteArray>{"Content-Type: application/json"} + headers, json);
}

RawHttpClient::RawHttpClient(quint16 port, QObject *parent)
    : QObject(parent)
    , m_port(port)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &RawHttpClient::onReadyRead);
}

bool RawHttpClient::connectToServer(int timeoutMs)
{
    m_socket.connectToHost(QHostAddress::LocalHost, m_port);
    return m_socket.waitForConnected(timeoutMs);
}

void RawHttpClient::send(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

void RawHttpClient::get(const QByteArray &target, const QList<QByteArray> &headers)
{
    QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray &line : headers)
        request += line + "\r\n";
    request += "\r\n";
    send(request);
}

void RawHttpClient::onReadyRead()
{
    const QByteArray chunk = m_socket.readAll();
    if (m_headDone) {
        appendBody(chunk);
        return;
    }

    m_raw += chunk;
    const qsizetype end = m_raw.indexOf("\r\n\r\n");
    if (end < 0)
        return;

    const QList<QByteArray> lines = m_raw.left(end).split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    m_status = statusLine.value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            m_headers.insert(lines[i].left(colon).trimmed().toLower(),
                             lines[i].mid(colon + 1).trimmed());
    }
    m_isChunked = m_headers.value("transfer-encoding").toLower() == "chunked";
    const QByteArray rest = m_raw.mid(end + 4);
    m_raw.clear();
    m_headDone = true;
    appendBody(rest);
}

void RawHttpClient::appendBody(const QByteArray &bytes)
{
    if (!m_isChunked) {
        m_body += bytes;
        return;
    }
    // RFC 9112, 7.1: hex size line, that many bytes, CRLF; a zero size ends the body.
    m_chunked += bytes;
    while (true) {
        const qsizetype lineEnd = m_chunked.indexOf("\r\n");
        if (lineEnd < 0)
            return;
        bool ok = false;
        const qsizetype size
            = m_chunked.left(lineEnd).split(';').constFirst().trimmed().toLongLong(&ok, 16);
        if (!ok || m_chunked.size() < lineEnd + 2 + size + 2)
            return;
        m_body += m_chunked.mid(lineEnd + 2, size);
        m_chunked.remove(0, lineEnd + 2 + size + 2);
        if (size == 0) {
            m_lastChunkSeen = true;
            return;
        }
    }
}

bool RawHttpClient::waitForHead(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_headDone; }, timeoutMs);
}

bool RawHttpClient::waitForBodyContaining(const QByteArray &needle, int timeoutMs)
{
    return QTest::qWaitFor([&] { return m_body.contains(needle); }, timeoutMs);
}

bool RawHttpClient::waitForBodySize(qsizetype bytes, int timeoutMs)
{
    return QTest::qWaitFor([&] { return m_body.size() >= bytes; }, timeoutMs);
}

bool RawHttpClient::waitForDisconnect(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                           timeoutMs);
}

bool RawHttpClient::waitForEndOfBody(int timeoutMs)
{
    return QTest::qWaitFor(
        [this] { return m_lastChunkSeen || m_socket.state() == QAbstractSocket::UnconnectedState; },
        timeoutMs);
}

QList<QByteArray> RawHttpClient::frames() const
{
    QList<QByteArray> result;
    qsizetype start = 0;
    while (true) {
        const qsizetype end = m_body.indexOf("\n\n", start);
        if (end < 0)
            break;
        QByteArray frame = m_body.mid(start, end - start + 1);
        start = end + 2;

        // Drop comment lines; a block of comments alone is no frame.
        QByteArray kept;
        for (const QByteArray &line : frame.split('\n')) {
            if (!line.isEmpty() && !line.startsWith(':'))
                kept += line + '\n';
        }
        if (!kept.isEmpty() && !kept.startsWith("retry:"))
            result.append(kept);
    }
    return result;
}

QList<qint64> RawHttpClient::ids() const
{
    QList<qint64> result;
    for (const QByteArray &frame : frames()) {
        if (frame.startsWith("id: "))
            result.append(frame.mid(4, frame.indexOf('\n') - 4).toLongLong());
    }
    return result;
}

} // namespace Herald::Test
