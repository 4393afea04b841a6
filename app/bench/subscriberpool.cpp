#include "subscriberpool.h"

#include "benchlogging.h"
#include "loopbackurl.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Herald::Bench {

namespace {

constexpr int MaxEpollEvents = 1024;
constexpr size_t ReadBufferSize = 64 * 1024;
constexpr size_t MaxHeadSize = 16 * 1024;
// Loopback has some 28,000 ephemeral ports per (source, destination) pair; past that many
// clients, connections come from further 127.0.0.x source addresses.
constexpr int ClientsPerSource = 20000;

qint64 monotonicNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(strerror(error));
}

template<typename T> bool parseNumber(const char *&p, const char *end, T *value)
{
    const auto result = std::from_chars(p, end, *value);
    if (result.ec != std::errc())
        return false;
    p = result.ptr;
    return true;
}

} // namespace

SubscriberPool::SubscriberPool(const Config &config)
    : m_config(config)
    , m_clients(size_t(config.clients))
    , m_buffer(ReadBufferSize)
{
    m_request = "GET /events?topic=" + config.topic
        + " HTTP/1.1\r\nHost: " + config.url->hostHeader()
        + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\nUser-Agent: herald-bench/"
        + HERALD_VERSION + "\r\n\r\n";
}

SubscriberPool::~SubscriberPool()
{
    closeAll();
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool SubscriberPool::open(QString *error)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        *error = QStringLiteral("epoll_create1: ") + errnoText(errno);
        return false;
    }
    m_startNs = monotonicNs();
    return true;
}

void SubscriberPool::expectEvents(qint64 total, qint64 measuredFrom)
{
    m_receipts.assign(size_t(total), 0);
    m_measuredFrom = measuredFrom;
}

void SubscriberPool::poll(int timeoutMs)
{
    const qint64 now = monotonicNs();
    startNext(now);

    // With connections still to start, wake up in time for the next one the rate allows.
    if (m_started < m_config.clients
        && m_started - m_connected - m_failed < m_config.connectConcurrency) {
        const double dueS = double(m_started) / m_config.connectRate;
        const double waitMs = std::ceil((dueS - double(now - m_startNs) / 1e9) * 1000);
        timeoutMs = std::clamp(int(waitMs), 0, timeoutMs);
    }

    epoll_event events[MaxEpollEvents];
    const int n = epoll_wait(m_epoll, events, MaxEpollEvents, timeoutMs);
    for (int i = 0; i < n; ++i) {
        const int index = int(events[i].data.u64);
        const uint32_t flags = events[i].events;
        Client &client = m_clients[size_t(index)];
        if (client.state == Client::State::Connecting && (flags & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            onWritable(index);
        if (client.state != Client::State::Closed && client.state != Client::State::Connecting
            && (flags & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
            onReadable(index);
    }
}

void SubscriberPool::startNext(qint64 nowNs)
{
    const double elapsedS = double(nowNs - m_startNs) / 1e9;
    const int allowed
        = int(std::min<double>(m_config.clients, elapsedS * m_config.connectRate + 1));
    while (m_started < allowed
           && m_started - m_connected - m_failed < m_config.connectConcurrency) {
        const int index = m_started++;
        Client &client = m_clients[size_t(index)];
        const int family = m_config.url->family();
        client.fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (client.fd < 0) {
            fail(index, QStringLiteral("socket: ") + errnoText(errno));
            continue;
        }
        const int source = index / ClientsPerSource;
        if (family == AF_INET && source > 0) {
            const int one = 1;
            setsockopt(client.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            sockaddr_in local{};
            local.sin_family = AF_INET;
            local.sin_addr.s_addr = htonl((127u << 24) | quint32(1 + source));
            if (::bind(client.fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0) {
                fail(index, QStringLiteral("bind: ") + errnoText(errno));
                continue;
            }
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.u64 = quint64(index);
        if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, client.fd, &ev) != 0) {
            fail(index, QStringLiteral("epoll_ctl: ") + errnoText(errno));
            continue;
        }
        client.state = Client::State::Connecting;
        if (::connect(client.fd, m_config.url->address(), m_config.url->addressLength()) != 0
            && errno != EINPROGRESS) {
            fail(index, QStringLiteral("connect: ") + errnoText(errno));
            continue;
        }
        // Completion (even an immediate one) is reported by EPOLLOUT.
    }
}

void SubscriberPool::onWritable(int index)
{
    Client &client = m_clients[size_t(index)];
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(client.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        fail(index, QStringLiteral("connect: ") + errnoText(error));
        return;
    }
    const ssize_t n
        = ::send(client.fd, m_request.constData(), size_t(m_request.size()), MSG_NOSIGNAL);
    if (n != m_request.size()) {
        fail(index,
             QStringLiteral("sending the request: ")
                 + (n < 0 ? errnoText(errno) : QStringLiteral("short write")));
        return;
    }
    client.state = Client::State::Head;
}

void SubscriberPool::onReadable(int index)
{
    Client &client = m_clients[size_t(index)];
    char *const buffer = m_buffer.data();
    while (client.state == Client::State::Head || client.state == Client::State::Streaming) {
        const ssize_t n = ::recv(client.fd, buffer, ReadBufferSize, 0);
        if (n > 0) {
            m_bytes += quint64(n);
            if (client.state == Client::State::Head)
                onHead(index, buffer, size_t(n));
            else
                onBytes(client, buffer, size_t(n), monotonicNs());
            // A short read emptied the socket: with edge triggering, more data means a new edge,
            // so the recv() that would only say EAGAIN is saved.
            if (size_t(n) < ReadBufferSize)
                return;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        const QString reason = n == 0 ? QStringLiteral("closed by the server")
                                      : QStringLiteral("recv: ") + errnoText(errno);
        if (client.state == Client::State::Streaming) {
            ++m_disconnected;
            ++m_failures[QStringLiteral("stream ") + reason];
            closeClient(client);
        } else {
            fail(index, reason + QStringLiteral(" before the response head"));
        }
        return;
    }
}

void SubscriberPool::onHead(int index, const char *data, size_t size)
{
    Client &client = m_clients[size_t(index)];
    const size_t before = client.head.size();
    client.head.append(data, size);
    const size_t end = client.head.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
        if (client.head.size() > MaxHeadSize)
            fail(index, QStringLiteral("response head over 16 KiB"));
        return;
    }
    // "HTTP/1.1 200 OK"
    int status = 0;
    const size_t space = client.head.find(' ');
    if (client.head.compare(0, 5, "HTTP/") == 0 && space != std::string::npos) {
        const char *p = client.head.data() + space + 1;
        parseNumber(p, client.head.data() + end, &status);
    }
    if (status != 200) {
        fail(index, QStringLiteral("HTTP %1").arg(status));
        return;
    }
    const size_t bodyStart = end + 4;
    std::string rest = client.head.substr(bodyStart);
    std::string().swap(client.head);
    client.state = Client::State::Streaming;
    ++m_connected;
    if (!rest.empty())
        onBytes(client, rest.data(), rest.size(), monotonicNs());
}

void SubscriberPool::onBytes(Client &client, const char *data, size_t size, qint64 nowNs)
{
    client.parser.feed(QByteArrayView(data, qsizetype(size)));
    const QList<QByteArray> comments = client.parser.takeComments();
    m_comments += quint64(comments.size());
    const std::vector<SseEvent> events = client.parser.takeEvents();
    for (const SseEvent &event : events) {
        // data: "hb <seq> <ns>[ padding]"
        const char *p = event.data.constData();
        const char *const end = p + event.data.size();
        qint64 seq = -1;
        qint64 sentNs = 0;
        if (event.data.startsWith("hb ")) {
            p += 3;
            if (parseNumber(p, end, &seq) && p < end && *p == ' ') {
                ++p;
                parseNumber(p, end, &sentNs);
            }
        }
        if (seq < 0 || seq >= qint64(m_receipts.size())) {
            ++m_foreign;
            continue;
        }
        qint64 id = 0;
        const char *idp = event.lastEventId.constData();
        parseNumber(idp, idp + event.lastEventId.size(), &id);
        if (id <= client.lastId) {
            ++m_duplicated;
            continue;
        }
        client.lastId = id;
        ++m_receipts[size_t(seq)];
        ++m_deliveries;
        if (seq >= m_measuredFrom)
            m_latency.record(nowNs - sentNs);
    }
}

void SubscriberPool::fail(int index, const QString &reason)
{
    ++m_failed;
    ++m_failures[reason];
    closeClient(m_clients[size_t(index)]);
}

void SubscriberPool::closeClient(Client &client)
{
    if (client.fd >= 0)
        ::close(client.fd); // also leaves the epoll set
    client.fd = -1;
    client.state = Client::State::Closed;
    std::string().swap(client.head);
}

void SubscriberPool::abandonPending()
{
    for (int i = 0; i < m_config.clients; ++i) {
        const Client::State state = m_clients[size_t(i)].state;
        if (state == Client::State::Idle || state == Client::State::Connecting
            || state == Client::State::Head)
            fail(i, QStringLiteral("not connected within the connect timeout"));
    }
    m_started = m_config.clients;
}

void SubscriberPool::closeAll()
{
    for (Client &client : m_clients) {
        if (client.fd >= 0)
            closeClient(client);
    }
}

} // namespace Herald::Bench
