#include "rawstreamsocket.h"

#include <QSocketNotifier>
#include <QTest>

#include <cerrno>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace Herald::Test {

RawStreamSocket::RawStreamSocket(QObject *parent)
    : QObject(parent)
{ }

RawStreamSocket::~RawStreamSocket()
{
    delete m_notifier;
    if (m_fd >= 0)
        ::close(m_fd);
}

qint64 RawStreamSocket::monotonicMs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool RawStreamSocket::open(quint16 port, const QByteArray &target, const QList<QByteArray> &headers)
{
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        && errno != EINPROGRESS)
        return false;
    // The server runs on this thread: wait for the connection by spinning the event loop.
    const bool connected = QTest::qWaitFor(
        [this] {
            pollfd entry{m_fd, POLLOUT, 0};
            return ::poll(&entry, 1, 0) == 1 && (entry.revents & POLLOUT);
        },
        5000);
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (!connected || error != 0)
        return false;

    QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray &line : headers)
        request += line + "\r\n";
    request += "\r\n";
    if (::send(m_fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL) != request.size())
        return false;

    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &RawStreamSocket::readAvailable);
    return true;
}

void RawStreamSocket::readAvailable()
{
    char buffer[16384];
    while (m_end == End::Open) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            m_received.append(buffer, n);
            m_arrivals.append({monotonicMs(), qsizetype(n)});
            continue;
        }
        if (n == 0) {
            finish(End::Fin, 0);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        finish(errno == ECONNRESET ? End::Reset : End::Error, errno);
    }
}

void RawStreamSocket::finish(End end, int error)
{
    m_end = end;
    m_errno = error;
    m_endedAtMs = monotonicMs();
    m_notifier->setEnabled(false);
}

int RawStreamSocket::status() const
{
    const QByteArray line = m_received.left(m_received.indexOf("\r\n"));
    return line.split(' ').value(1).toInt();
}

QByteArray RawStreamSocket::head() const
{
    const qsizetype end = m_received.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : m_received.left(end + 4);
}

QByteArray RawStreamSocket::body() const
{
    const qsizetype end = m_received.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : m_received.mid(end + 4);
}

int RawStreamSocket::eventFrames() const
{
    const QByteArray text = body();
    return int(text.count("\nid: ") + (text.startsWith("id: ") ? 1 : 0));
}

} // namespace Herald::Test
