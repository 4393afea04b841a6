#include "publisher.h"

#include "benchlogging.h"
#include "loopbackurl.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace Herald::Bench {

namespace {

constexpr int MaxResponseHead = 16 * 1024;

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

void appendNumber(std::string &out, qint64 value)
{
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, size_t(result.ptr - digits));
}

// The value of a header in a response head, names compared without case; empty when absent.
std::string headerValue(const std::string &head, const char *name)
{
    const size_t nameLength = std::strlen(name);
    size_t line = head.find("\r\n");
    while (line != std::string::npos && line + 2 < head.size()) {
        const size_t start = line + 2;
        const size_t end = head.find("\r\n", start);
        const size_t stop = end == std::string::npos ? head.size() : end;
        if (stop - start > nameLength && head[start + nameLength] == ':'
            && strncasecmp(head.data() + start, name, nameLength) == 0) {
            size_t value = start + nameLength + 1;
            while (value < stop && (head[value] == ' ' || head[value] == '\t'))
                ++value;
            return head.substr(value, stop - value);
        }
        line = end;
    }
    return {};
}

} // namespace

Publisher::Publisher(const Config &config)
    : m_config(config)
    , m_status(size_t(config.total), NotSent)
{
    m_prefix = "POST /publish HTTP/1.1\r\nHost: " + config.url->hostHeader()
        + "\r\nUser-Agent: herald-bench/" + HERALD_VERSION
        + "\r\nContent-Type: application/json\r\nContent-Length: ";
}

Publisher::~Publisher()
{
    requestStop();
    join();
    for (auto &connection : m_connections) {
        if (connection->fd >= 0)
            ::close(connection->fd);
    }
    if (m_timer >= 0)
        ::close(m_timer);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool Publisher::start(QString *message)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (m_epoll < 0 || m_timer < 0) {
        *message = QStringLiteral("cannot create the publisher loop: ") + errnoText(errno);
        return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_timer, &ev);
    if (!openConnection()) {
        *message = QStringLiteral("cannot open a publish connection: ") + m_failures.firstKey();
        return false;
    }
    // The clock starts once the first connection is up, so event 0 is not born late.
    Connection *first = m_connections.front().get();
    pollfd pfd{first->fd, POLLOUT, 0};
    int socketError = 0;
    socklen_t length = sizeof socketError;
    if (::poll(&pfd, 1, 5000) != 1
        || getsockopt(first->fd, SOL_SOCKET, SO_ERROR, &socketError, &length) != 0
        || socketError != 0) {
        *message = QStringLiteral("cannot connect the publisher: ")
            + (socketError ? errnoText(socketError) : QStringLiteral("timed out"));
        return false;
    }
    first->connected = true;
    m_startNs = monotonicNs();
    m_thread = std::thread([this] { run(); });
    return true;
}

void Publisher::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

QMap<QString, int> Publisher::failures() const
{
    std::lock_guard lock(m_failuresMutex);
    return m_failures;
}

bool Publisher::openConnection()
{
    auto connection = std::make_unique<Connection>();
    connection->fd
        = ::socket(m_config.url->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto failWith = [this](const QString &reason) {
        std::lock_guard lock(m_failuresMutex);
        ++m_failures[reason];
        return false;
    };
    if (connection->fd < 0)
        return failWith(QStringLiteral("socket: ") + errnoText(errno));
    // Requests are small and each must leave at once, not wait for an ACK (Nagle).
    const int one = 1;
    setsockopt(connection->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = connection.get();
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, connection->fd, &ev) != 0) {
        ::close(connection->fd);
        return failWith(QStringLiteral("epoll_ctl: ") + errnoText(errno));
    }
    if (::connect(connection->fd, m_config.url->address(), m_config.url->addressLength()) != 0
        && errno != EINPROGRESS) {
        const QString reason = QStringLiteral("connect: ") + errnoText(errno);
        ::close(connection->fd);
        return failWith(reason);
    }
    ++m_connectionsOpened;
    m_connections.push_back(std::move(connection));
    return true;
}

void Publisher::run()
{
    pthread_setname_np(pthread_self(), "bench-publish");
    armTimer();
    const qint64 drainNs = qint64(m_config.drainTimeoutS * 1e9);
    epoll_event events[64];

    while (true) {
        const qint64 now = monotonicNs();
        const bool stopping = m_stopRequested.load(std::memory_order_relaxed);
        if (!stopping)
            sendDue(now);
        const bool allSent = stopping || m_next >= m_config.total;
        if (allSent && m_outstanding == 0)
            break;
        if (allSent && now - m_lastSendNs > drainNs) {
            for (auto &connection : m_connections) {
                if (!connection->dead && connection->seq >= 0)
                    drop(connection.get(), QStringLiteral("no answer within the drain timeout"));
            }
            break;
        }

        const int n = epoll_wait(m_epoll, events, 64, 50);
        for (int i = 0; i < n; ++i) {
            auto *connection = static_cast<Connection *>(events[i].data.ptr);
            if (!connection) {
                quint64 expirations;
                [[maybe_unused]] ssize_t r = ::read(m_timer, &expirations, sizeof expirations);
                continue;
            }
            if (connection->dead)
                continue;
            const uint32_t flags = events[i].events;
            if (!connection->connected) {
                if (!(flags & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                    continue;
                int error = 0;
                socklen_t length = sizeof error;
                getsockopt(connection->fd, SOL_SOCKET, SO_ERROR, &error, &length);
                if (error != 0) {
                    drop(connection, QStringLiteral("connect: ") + errnoText(error));
                    continue;
                }
                connection->connected = true;
            }
            if (flags & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                readIn(connection);
            if (!connection->dead && (flags & EPOLLOUT)
                && connection->outOffset < connection->out.size())
                writeOut(connection);
        }

        // Closed connections go once nothing in this pass can point at them any more.
        m_connections.erase(std::remove_if(m_connections.begin(), m_connections.end(),
                                           [](const std::unique_ptr<Connection> &connection) {
                                               return connection->dead;
                                           }),
                            m_connections.end());
    }

    m_elapsedS = double(monotonicNs() - m_startNs) / 1e9;
    for (auto &connection : m_connections) {
        if (connection->fd >= 0)
            ::close(connection->fd);
        connection->fd = -1;
    }
    m_connections.clear();
    m_finished.store(true, std::memory_order_release);
}

void Publisher::sendDue(qint64 nowNs)
{
    // Events due by now, counted with dueNs() itself so that the timer and this agree.
    qint64 due = std::min<qint64>(
        m_config.total, qint64(std::floor(double(nowNs - m_startNs) * m_config.rate / 1e9)) + 1);
    while (due < m_config.total && dueNs(due) <= nowNs)
        ++due;
    while (due > m_next && dueNs(due - 1) > nowNs)
        --due;
    while (m_next < due) {
        Connection *idle = nullptr;
        bool connecting = false;
        for (auto &connection : m_connections) {
            if (connection->dead || connection->seq >= 0)
                continue;
            if (connection->connected) {
                idle = connection.get();
                break;
            }
            connecting = true;
        }
        if (!idle) {
            // Every connection waits for an answer: open another, unless one is on its way.
            if (!connecting && int(m_connections.size()) < m_config.maxConnections)
                openConnection();
            break;
        }
        sendOn(idle, m_next++);
    }
    m_maxBacklog = std::max(m_maxBacklog, due - m_next);
    armTimer();
}

void Publisher::sendOn(Connection *connection, qint64 seq)
{
    // data: "hb <seq> <ns>" then padding up to the payload size.
    std::string data = "hb ";
    appendNumber(data, seq);
    data += ' ';
    const qint64 sentNs = monotonicNs();
    appendNumber(data, sentNs);
    if (int(data.size()) + 1 < m_config.payload) {
        data += ' ';
        data.append(size_t(m_config.payload) - data.size(), 'x');
    }
    std::string body = "{\"topic\":\"";
    body.append(m_config.topic.constData(), size_t(m_config.topic.size()));
    body += "\",\"data\":\"";
    body += data;
    body += "\"}";

    std::string &out = connection->out;
    out.assign(m_prefix.constData(), size_t(m_prefix.size()));
    appendNumber(out, qint64(body.size()));
    out += "\r\n\r\n";
    out += body;
    connection->outOffset = 0;
    connection->seq = seq;
    m_status[size_t(seq)] = Pending;
    ++m_outstanding;
    m_lastSendNs = sentNs;
    m_sent.fetch_add(1, std::memory_order_relaxed);
    writeOut(connection);
}

void Publisher::writeOut(Connection *connection)
{
    while (connection->outOffset < connection->out.size()) {
        const ssize_t n = ::send(connection->fd, connection->out.data() + connection->outOffset,
                                 connection->out.size() - connection->outOffset, MSG_NOSIGNAL);
        if (n > 0) {
            connection->outOffset += size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; // EPOLLOUT continues
        drop(connection, QStringLiteral("send: ") + errnoText(errno));
        return;
    }
}

void Publisher::readIn(Connection *connection)
{
    char buffer[16384];
    bool closed = false;
    QString closeReason;
    while (true) {
        const ssize_t n = ::recv(connection->fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            connection->in.append(buffer, size_t(n));
            if (size_t(n) < sizeof buffer)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        closed = true;
        closeReason = n == 0 ? QStringLiteral("connection closed before the answer")
                             : QStringLiteral("recv: ") + errnoText(errno);
        break;
    }

    // Whole responses: head, then Content-Length bytes of body.
    std::string &in = connection->in;
    while (true) {
        const size_t headEnd = in.find("\r\n\r\n");
        if (headEnd == std::string::npos) {
            if (in.size() > MaxResponseHead) {
                closed = true;
                closeReason = QStringLiteral("response head over 16 KiB");
            }
            break;
        }
        const std::string head = in.substr(0, headEnd + 2);
        int status = 0;
        if (head.compare(0, 5, "HTTP/") == 0 && head.size() > 12)
            std::from_chars(head.data() + 9, head.data() + 12, status);
        size_t length = 0;
        const std::string lengthText = headerValue(head, "Content-Length");
        std::from_chars(lengthText.data(), lengthText.data() + lengthText.size(), length);
        if (in.size() < headEnd + 4 + length)
            break;
        const std::string body = in.substr(headEnd + 4, length);
        in.erase(0, headEnd + 4 + length);
        const bool mustClose
            = strncasecmp(headerValue(head, "Connection").c_str(), "close", 5) == 0;

        if (connection->seq >= 0) {
            const qint64 seq = connection->seq;
            connection->seq = -1;
            // 202 {"id":"N"}: the event was stored and fanned out.
            const bool ok = status == 202 && body.find("\"id\"") != std::string::npos;
            settle(seq, ok,
                   status == 202 ? QStringLiteral("202 without an id")
                                 : QStringLiteral("HTTP %1 %2")
                                       .arg(status)
                                       .arg(QString::fromUtf8(body.substr(0, 120).c_str())));
        }
        if (mustClose) {
            closed = true;
            closeReason.clear(); // a clean close after an answer is no failure
            break;
        }
    }
    if (closed) {
        drop(connection, closeReason);
        return;
    }
    if (connection->seq < 0 && !m_stopRequested.load(std::memory_order_relaxed))
        sendDue(monotonicNs());
}

void Publisher::settle(qint64 seq, bool ok, const QString &failure)
{
    --m_outstanding;
    if (ok) {
        m_status[size_t(seq)] = Accepted;
        m_accepted.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    m_status[size_t(seq)] = Failed;
    m_failedCount.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(m_failuresMutex);
    ++m_failures[failure];
}

void Publisher::drop(Connection *connection, const QString &reason)
{
    if (connection->dead)
        return;
    connection->dead = true;
    ::close(connection->fd);
    connection->fd = -1;
    if (connection->seq >= 0) {
        const qint64 seq = connection->seq;
        connection->seq = -1;
        settle(seq, false, reason.isEmpty() ? QStringLiteral("connection closed") : reason);
    } else if (!reason.isEmpty() && !connection->connected) {
        std::lock_guard lock(m_failuresMutex);
        ++m_failures[reason];
    }
}

qint64 Publisher::dueNs(qint64 seq) const
{
    return m_startNs + qint64(std::ceil(double(seq) * 1e9 / m_config.rate));
}

void Publisher::armTimer()
{
    // The timer wakes the loop when the next event is due; with a backlog (every connection
    // busy) answers wake it instead, so an already-due time is not armed (it would spin).
    itimerspec spec{};
    if (m_next < m_config.total && !m_stopRequested.load(std::memory_order_relaxed)) {
        const qint64 at = dueNs(m_next);
        if (at > monotonicNs()) {
            spec.it_value.tv_sec = at / 1000000000;
            spec.it_value.tv_nsec = at % 1000000000;
        }
    }
    timerfd_settime(m_timer, TFD_TIMER_ABSTIME, &spec, nullptr);
}

} // namespace Herald::Bench
