#include "broadcast/deliveryworker.h"

#include "logging.h"
#include "protocol/frameencoder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

namespace Herald {

namespace {

constexpr int MaxEpollEvents = 512;
constexpr int MaxIov = 64;

qint64 monotonicMs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(strerror(error));
}

// Every counter a worker keeps has one writer, the worker thread itself, and readers that only
// need a recent value. A plain load and store is then enough, and unlike fetch_add it costs no
// locked instruction: these run several times per delivery.
template<typename T> void bump(std::atomic<T> &counter, T by)
{
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

} // namespace

struct DeliveryWorker::TopicList
{
    std::vector<Slot *> members;
};

// The fields a delivery reads come first, so that sending one event to a client whose queue
// is empty touches the first cache line of its slot and the start of its queue: with 10,000
// clients and a few events a second, every slot is cold again by the time the next event comes.
struct alignas(64) DeliveryWorker::Slot
{
    SessionPtr session;
    int fd = -1;
    bool closing = false;
    bool condemned = false;
    bool stalled = false;
    bool cutNext = false;
    // Newest event id this client had or got in its replay when it attached: nothing live at or
    // below it is sent (a client that resumed from a node ahead of this one, an event seen in
    // its replay).
    qint64 floorId = 0;
    qint64 lastWriteMs = 0;
    qint64 dripRate = 0; // bytes per second, 0: no drip
    qint64 dropAfterEvents = -1;
    std::deque<Chunk> queue;
    qsizetype headOffset = 0; // bytes of queue.front() already written
    qint64 queued = 0;
    qint64 queueLimit = 0;
    // The replay at the head of the queue may exceed the live limit; the limit gives it room
    // only until those chunks are written.
    size_t initialChunksLeft = 0;
    qint64 closeDeadlineMs = 0;
    bool dirty = false;
    bool resetOnClose = false;
    QString closeReason;
    // Faults (StreamFault), besides the ones above: all off by default.
    qint64 dripBudget = 0; // bytes it may still write now
    qint64 dropAtMs = 0;
    // Each topic list this slot is in, with its index there, for O(1) removal.
    std::vector<std::pair<TopicList *, size_t>> memberships;
};

struct DeliveryWorker::Command
{
    enum class Kind { Attach, Publish, Send, Close, Fault };
    Kind kind = Kind::Publish;
    SessionPtr session;
    int fd = -1;
    std::vector<Chunk> chunks;
    EventPtr event;
    qint64 floorId = 0;
    quint64 sessionId = 0;
    CloseMode mode = CloseMode::Flush;
    QString reason;
    StreamFault fault;
};

DeliveryWorker::DeliveryWorker(int index, Config config, ClosedCallback onClosed)
    : m_index(index)
    , m_config(config)
    , m_onClosed(std::move(onClosed))
{ }

DeliveryWorker::~DeliveryWorker()
{
    stop();
}

bool DeliveryWorker::start(QString *error)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epoll < 0 || m_wake < 0) {
        *error = QStringLiteral("cannot create the delivery loop: ") + errnoText(errno);
        return false;
    }

    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr; // the wake-up descriptor is the only entry without a slot
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev);

    m_thread = std::thread([this] { run(); });
    return true;
}

void DeliveryWorker::requestStop()
{
    if (!m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopRequested = true;
    }
    const quint64 one = 1;
    [[maybe_unused]] ssize_t w = ::write(m_wake, &one, sizeof one);
}

void DeliveryWorker::stop()
{
    if (!m_thread.joinable())
        return;
    requestStop();
    m_thread.join();

    ::close(m_epoll);
    ::close(m_wake);
    m_epoll = m_wake = -1;
}

void DeliveryWorker::post(Command &&command)
{
    bool wasEmpty;
    {
        std::lock_guard lock(m_mutex);
        wasEmpty = m_pending.empty();
        m_pending.push_back(std::move(command));
    }
    // One wake-up per batch: the worker takes every pending command when it wakes.
    if (wasEmpty) {
        const quint64 one = 1;
        [[maybe_unused]] ssize_t w = ::write(m_wake, &one, sizeof one);
    }
}

void DeliveryWorker::attach(SessionPtr session, int fd, std::vector<Chunk> initial, qint64 floorId)
{
    Command command;
    command.kind = Command::Kind::Attach;
    command.session = std::move(session);
    command.fd = fd;
    command.floorId = floorId;
    command.chunks = std::move(initial);
    post(std::move(command));
}

void DeliveryWorker::publish(EventPtr event)
{
    Command command;
    command.kind = Command::Kind::Publish;
    command.event = std::move(event);
    post(std::move(command));
}

void DeliveryWorker::send(quint64 sessionId, Chunk chunk)
{
    Command command;
    command.kind = Command::Kind::Send;
    command.sessionId = sessionId;
    command.chunks.push_back(std::move(chunk));
    post(std::move(command));
}

void DeliveryWorker::close(quint64 sessionId, CloseMode mode, const QString &reason)
{
    Command command;
    command.kind = Command::Kind::Close;
    command.sessionId = sessionId;
    command.mode = mode;
    command.reason = reason;
    post(std::move(command));
}

void DeliveryWorker::applyFault(quint64 sessionId, StreamFault fault)
{
    Command command;
    command.kind = Command::Kind::Fault;
    command.sessionId = sessionId;
    command.fault = fault;
    post(std::move(command));
}

void DeliveryWorker::run()
{
    const QByteArray name = "herald-deliver" + QByteArray::number(m_index);
    pthread_setname_np(pthread_self(), name.constData());

    epoll_event events[MaxEpollEvents];
    m_nextTickMs = monotonicMs();
    bool stopping = false;

    while (!stopping) {
        const qint64 now = monotonicMs();
        const int timeout = int(std::max<qint64>(0, m_nextTickMs - now));
        const int n = epoll_wait(m_epoll, events, MaxEpollEvents, timeout);
        m_passMs = monotonicMs();
        if (n < 0 && errno != EINTR) {
            qCWarning(lcBroadcast) << "delivery loop failed:" << errnoText(errno);
            break;
        }

        bool woken = false;
        for (int i = 0; i < n; ++i) {
            auto *slot = static_cast<Slot *>(events[i].data.ptr);
            if (!slot) {
                quint64 count;
                [[maybe_unused]] ssize_t r = ::read(m_wake, &count, sizeof count);
                woken = true;
                continue;
            }
            if (slot->condemned)
                continue;
            const uint32_t flags = events[i].events;
            if (flags & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                readFrom(slot);
            if (!slot->condemned && (flags & EPOLLOUT) && !slot->queue.empty())
                flush(slot);
        }

        if (woken) {
            {
                std::lock_guard lock(m_mutex);
                stopping = m_stopRequested;
            }
            applyCommands();
        }

        // Events published in one pass go out together: one write per client for all of them.
        for (Slot *slot : m_dirty) {
            slot->dirty = false;
            if (!slot->condemned)
                flush(slot);
        }
        m_dirty.clear();

        const qint64 after = monotonicMs();
        if (after >= m_nextTickMs)
            tick(after);
        sweep();
    }

    shutdownAll();
}

void DeliveryWorker::applyCommands()
{
    std::vector<Command> commands;
    {
        std::lock_guard lock(m_mutex);
        commands.swap(m_pending);
    }

    // A lone event goes straight to the sockets of the clients that have nothing queued. When
    // several arrive in one pass they are queued instead, so that each client gets all of them
    // in one write: that is what keeps Herald ahead when events come faster than it can send.
    const auto publishes = std::count_if(commands.begin(), commands.end(), [](const Command &c) {
        return c.kind == Command::Kind::Publish;
    });

    for (Command &command : commands) {
        switch (command.kind) {
        case Command::Kind::Attach:
            attachSlot(command);
            break;
        case Command::Kind::Publish:
            publishToTopic(command.event, publishes == 1);
            break;
        case Command::Kind::Send: {
            auto it = m_slots.find(command.sessionId);
            if (it != m_slots.end() && !it->second->condemned && !it->second->closing)
                enqueue(it->second.get(), std::move(command.chunks.front()));
            break;
        }
        case Command::Kind::Fault: {
            auto it = m_slots.find(command.sessionId);
            if (it != m_slots.end() && !it->second->condemned)
                applyFaultToSlot(it->second.get(), command.fault);
            break;
        }
        case Command::Kind::Close: {
            auto it = m_slots.find(command.sessionId);
            if (it != m_slots.end() && !it->second->condemned)
                beginClose(it->second.get(), command.mode, command.reason);
            break;
        }
        }
    }
}

void DeliveryWorker::attachSlot(Command &command)
{
    auto slot = std::make_unique<Slot>();
    slot->session = std::move(command.session);
    slot->fd = command.fd;
    slot->lastWriteMs = monotonicMs();

    // The replay may be larger than the live limit; it does not count against it.
    qint64 initialBytes = 0;
    for (const Chunk &chunk : command.chunks) {
        initialBytes += chunk.bytes.size();
        slot->floorId = std::max(slot->floorId, chunk.eventId);
    }
    slot->queueLimit = m_config.maxQueuedBytes + initialBytes;
    slot->initialChunksLeft = command.chunks.size();
    slot->floorId = std::max(slot->floorId, command.floorId);

    const int flags = fcntl(slot->fd, F_GETFL);
    fcntl(slot->fd, F_SETFL, flags | O_NONBLOCK);
    // Frames are small and must not wait for the previous segment's ACK (Nagle).
    const int one = 1;
    setsockopt(slot->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = slot.get();
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, slot->fd, &ev) < 0) {
        qCWarning(lcBroadcast) << "cannot watch client" << slot->session->id() << errnoText(errno);
        Slot *raw = slot.get();
        m_slots.emplace(raw->session->id(), std::move(slot));
        condemn(raw, QStringLiteral("cannot watch socket"), true);
        return;
    }

    Slot *raw = slot.get();
    m_slots.emplace(raw->session->id(), std::move(slot));

    for (const QString &topic : raw->session->info().topics) {
        auto &list = m_topics[topic];
        if (!list)
            list = std::make_unique<TopicList>();
        raw->memberships.emplace_back(list.get(), list->members.size());
        list->members.push_back(raw);
    }

    for (Chunk &chunk : command.chunks)
        enqueue(raw, std::move(chunk));
}

void DeliveryWorker::publishToTopic(const EventPtr &event, bool direct)
{
    auto it = m_topics.find(event->topic);
    if (it == m_topics.end())
        return;
    // Each queued chunk holds a reference to the frame, taken and dropped with an atomic
    // count. A copy of the frame of this worker's own keeps that count on this core instead of
    // moving its cache line between the workers for every delivery.
    const QByteArray frame(event->frame.constData(), event->frame.size());
    for (Slot *slot : it->second->members) {
        // Events reach a worker in increasing id order, so the floor needs no update here: once
        // one event is above it, every later one is too.
        if (slot->condemned || slot->closing || event->id <= slot->floorId)
            continue;
        if (direct && sendDirect(slot, frame, event->id))
            continue;
        enqueue(slot, Chunk{frame, event->id});
    }
}

bool DeliveryWorker::sendDirect(Slot *slot, const QByteArray &frame, qint64 eventId)
{
    // Only a client with nothing queued and no fault shaping its writes can be written to
    // ahead of the queue; the rest keep the queued path, which knows the faults.
    if (!slot->queue.empty() || slot->stalled || slot->cutNext || slot->dripRate > 0
        || slot->dropAfterEvents > 0)
        return false;

    ssize_t written;
    do {
        written = ::send(slot->fd, frame.constData(), size_t(frame.size()), MSG_NOSIGNAL);
    } while (written < 0 && errno == EINTR);

    if (written < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return false; // the kernel buffer is full: queued, and EPOLLOUT resumes it
        condemn(slot, QStringLiteral("write failed: ") + errnoText(errno), true);
        return true;
    }

    if (written < frame.size()) {
        // The rest is queued as if the whole frame had been, with what went out consumed.
        enqueue(slot, Chunk{frame, eventId});
        if (!slot->condemned)
            consume(slot, written);
        return true;
    }

    ClientSession &session = *slot->session;
    if (session.isTapEnabled())
        session.tap(frame.constData(), written);
    bump(session.m_bytesSent, quint64(written));
    bump(m_bytes, quint64(written));
    countEvent(session, eventId);
    slot->lastWriteMs = m_passMs;
    return true;
}

void DeliveryWorker::countEvent(ClientSession &session, qint64 eventId)
{
    bump(session.m_eventsSent, quint64(1));
    session.m_lastSentId.store(eventId, std::memory_order_relaxed);
    bump(m_deliveries, quint64(1));
}

void DeliveryWorker::enqueue(Slot *slot, Chunk chunk)
{
    slot->queued += chunk.bytes.size();
    slot->queue.push_back(std::move(chunk));
    slot->session->m_queuedBytes.store(slot->queued, std::memory_order_relaxed);

    // A reader that stopped reading is cut loose before it can grow the server without bound;
    // it comes back with Last-Event-ID and resumes from the history.
    if (slot->queued > slot->queueLimit) {
        bump(m_drops, quint64(1));
        qCInfo(lcBroadcast) << "client" << slot->session->id() << "fell behind by" << slot->queued
                            << "bytes; disconnecting it";
        condemn(slot, QStringLiteral("slow reader: queue limit reached"), true);
        return;
    }

    if (!slot->dirty) {
        slot->dirty = true;
        m_dirty.push_back(slot);
    }
}

void DeliveryWorker::flush(Slot *slot)
{
    if (slot->stalled)
        return;
    while (!slot->queue.empty()) {
        if (slot->cutNext && slot->queue.front().eventId > 0 && slot->headOffset == 0) {
            cutMidEvent(slot);
            return;
        }

        iovec iov[MaxIov];
        int count = 0;
        qint64 total = 0;
        qint64 eventsInWrite = 0;
        for (auto it = slot->queue.begin(); it != slot->queue.end() && count < MaxIov; ++it) {
            const qsizetype skip = count == 0 ? slot->headOffset : 0;
            iov[count].iov_base = const_cast<char *>(it->bytes.constData()) + skip;
            iov[count].iov_len = size_t(it->bytes.size() - skip);
            total += qint64(iov[count].iov_len);
            ++count;
            // A frame about to be cut must start its own write.
            if (slot->cutNext)
                break;
            // Under drop-after-events nothing past the last allowed event may go out.
            if (it->eventId > 0 && slot->dropAfterEvents > 0
                && ++eventsInWrite >= slot->dropAfterEvents)
                break;
        }

        if (slot->dripRate > 0) {
            // Trim the write to what the drip allows now; the tick tops the budget up.
            if (slot->dripBudget <= 0)
                return;
            qint64 allowed = slot->dripBudget;
            int kept = 0;
            total = 0;
            while (kept < count && allowed > 0) {
                const qint64 len = std::min<qint64>(qint64(iov[kept].iov_len), allowed);
                iov[kept].iov_len = size_t(len);
                allowed -= len;
                total += len;
                ++kept;
            }
            count = kept;
        }

        ssize_t written;
        if (count == 1) {
            written = ::send(slot->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
        } else {
            msghdr message{};
            message.msg_iov = iov;
            message.msg_iovlen = size_t(count);
            written = ::sendmsg(slot->fd, &message, MSG_NOSIGNAL);
        }

        if (written < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break; // the kernel buffer is full; EPOLLOUT resumes the flush
            condemn(slot, QStringLiteral("write failed: ") + errnoText(errno), true);
            return;
        }

        if (slot->dripRate > 0)
            slot->dripBudget -= written;
        consume(slot, written);
        if (slot->condemned)
            return;
        if (written < total || (slot->dripRate > 0 && slot->dripBudget <= 0))
            break;
    }

    if (slot->closing && slot->queue.empty())
        condemn(slot, slot->closeReason, slot->resetOnClose);
}

void DeliveryWorker::consume(Slot *slot, qint64 written)
{
    ClientSession &session = *slot->session;
    bump(session.m_bytesSent, quint64(written));
    bump(m_bytes, quint64(written));
    slot->queued -= written;
    // The time this pass began: heartbeats only need it to within a pass.
    slot->lastWriteMs = m_passMs;

    const bool tapping = session.isTapEnabled();
    while (written > 0) {
        Chunk &front = slot->queue.front();
        const qint64 left = front.bytes.size() - slot->headOffset;
        if (tapping)
            session.tap(front.bytes.constData() + slot->headOffset, std::min(written, left));
        if (written < left) {
            slot->headOffset += written;
            break;
        }
        written -= left;
        if (slot->initialChunksLeft > 0) {
            --slot->initialChunksLeft;
            slot->queueLimit -= front.bytes.size();
        }
        if (front.eventId > 0) {
            countEvent(session, front.eventId);
            if (slot->dropAfterEvents > 0 && --slot->dropAfterEvents == 0) {
                // What is still queued is dropped on purpose: that is the fault.
                slot->queue.pop_front();
                slot->headOffset = 0;
                condemn(slot, QStringLiteral("fault: dropped after N events"), false);
                break;
            }
        }
        slot->queue.pop_front();
        slot->headOffset = 0;
    }
    session.m_queuedBytes.store(slot->queued, std::memory_order_relaxed);
}

void DeliveryWorker::readFrom(Slot *slot)
{
    // Nothing a stream client sends after its request means anything to us: it is read and
    // dropped (never parsed as HTTP), and only the end of its stream matters.
    char buffer[4096];
    while (true) {
        const ssize_t n = ::recv(slot->fd, buffer, sizeof buffer, 0);
        if (n > 0)
            continue;
        if (n == 0) {
            condemn(slot, QStringLiteral("client closed the connection"), false);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        condemn(slot, QStringLiteral("connection error: ") + errnoText(errno), true);
        return;
    }
}

void DeliveryWorker::beginClose(Slot *slot, CloseMode mode, const QString &reason)
{
    if (mode == CloseMode::Reset) {
        condemn(slot, reason, true);
        return;
    }
    slot->closing = true;
    slot->stalled = false; // a clean close writes what is queued, stalled or not
    slot->closeReason = reason;
    slot->closeDeadlineMs = monotonicMs() + m_config.closeTimeoutMs;
    slot->session->m_state.store(ClientSession::State::Closing, std::memory_order_relaxed);
    if (slot->queue.empty())
        condemn(slot, reason, false);
    else
        flush(slot);
}

void DeliveryWorker::condemn(Slot *slot, const QString &reason, bool reset)
{
    if (slot->condemned)
        return;
    slot->condemned = true;
    slot->closeReason = reason;
    slot->resetOnClose = reset;
    m_condemned.push_back(slot);
}

void DeliveryWorker::sweep()
{
    if (m_condemned.empty())
        return;

    std::vector<Slot *> condemned;
    condemned.swap(m_condemned);
    for (Slot *slot : condemned) {
        for (auto &[list, index] : slot->memberships) {
            // Swap-remove, then fix the moved slot's index for this list.
            Slot *moved = list->members.back();
            list->members[index] = moved;
            list->members.pop_back();
            if (moved != slot) {
                for (auto &membership : moved->memberships) {
                    if (membership.first == list)
                        membership.second = index;
                }
            }
        }

        if (slot->resetOnClose) {
            // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            linger lg{1, 0};
            setsockopt(slot->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        } else {
            ::shutdown(slot->fd, SHUT_WR);
            // Unread input at close() would turn the FIN into an RST; drain it first.
            char buffer[1024];
            while (::recv(slot->fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) { }
        }
        // Leave the epoll set explicitly: close() alone does not when another descriptor (say,
        // one a forked child inherited) still refers to the same socket, and the set would go
        // on reporting events for a slot that no longer exists.
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, slot->fd, nullptr);
        ::close(slot->fd);

        if (slot->dripRate > 0)
            --m_dripping;
        SessionPtr session = slot->session;
        session->m_queuedBytes.store(0, std::memory_order_relaxed);
        session->m_state.store(ClientSession::State::Closed, std::memory_order_relaxed);
        const QString reason = slot->closeReason;
        m_slots.erase(session->id());
        if (m_onClosed)
            m_onClosed(session, reason);
    }
}

void DeliveryWorker::tick(qint64 nowMs)
{
    const int heartbeat = std::max(1, m_config.heartbeatMs);
    const int dripTick = 50;
    m_nextTickMs = nowMs
        + (m_dripping > 0 ? std::min(dripTick, std::clamp(heartbeat / 4, 5, 1000))
                          : std::clamp(heartbeat / 4, 5, 1000));

    static const QByteArray heartbeatFrame = FrameEncoder::comment("heartbeat");
    for (auto &[id, slot] : m_slots) {
        if (slot->condemned)
            continue;
        if (slot->closing) {
            if (nowMs >= slot->closeDeadlineMs)
                condemn(slot.get(), slot->closeReason + QStringLiteral(" (flush timed out)"), true);
            continue;
        }
        if (slot->dropAtMs > 0 && nowMs >= slot->dropAtMs) {
            condemn(slot.get(), QStringLiteral("fault: dropped after T ms"), false);
            continue;
        }
        if (slot->stalled)
            continue; // a stalled stream sends nothing, heartbeats included
        if (slot->dripRate > 0) {
            slot->dripBudget = std::min(
                slot->dripRate,
                slot->dripBudget + std::max<qint64>(1, slot->dripRate * dripTick / 1000));
            if (!slot->queue.empty() && !slot->dirty) {
                slot->dirty = true;
                m_dirty.push_back(slot.get());
            }
        }
        // Only idle streams get a heartbeat; one that is still sending needs none.
        if (slot->queue.empty() && nowMs - slot->lastWriteMs >= heartbeat) {
            bump(m_heartbeats, quint64(1));
            enqueue(slot.get(), Chunk{heartbeatFrame, 0});
        }
    }
    for (Slot *slot : m_dirty) {
        slot->dirty = false;
        if (!slot->condemned)
            flush(slot);
    }
    m_dirty.clear();
}

void DeliveryWorker::applyFaultToSlot(Slot *slot, const StreamFault &fault)
{
    const bool wasDripping = slot->dripRate > 0;
    switch (fault.kind) {
    case StreamFault::Kind::Stall:
        slot->stalled = true;
        break;
    case StreamFault::Kind::Resume:
        slot->stalled = false;
        slot->dripRate = 0;
        break;
    case StreamFault::Kind::Drip:
        slot->dripRate = std::max<qint64>(1, fault.amount);
        slot->dripBudget = 0;
        break;
    case StreamFault::Kind::CutMidEvent:
        slot->cutNext = true;
        break;
    case StreamFault::Kind::DropAfterEvents:
        if (fault.amount <= 0) {
            condemn(slot, QStringLiteral("fault: dropped after N events"), false);
            return;
        }
        slot->dropAfterEvents = fault.amount;
        break;
    case StreamFault::Kind::DropAfterTime:
        slot->dropAtMs = monotonicMs() + std::max<qint64>(0, fault.amount);
        m_nextTickMs = std::min(m_nextTickMs, slot->dropAtMs);
        break;
    case StreamFault::Kind::RetryThenClose:
        enqueue(slot, Chunk{FrameEncoder::retry(int(fault.amount)), 0});
        if (!slot->condemned)
            beginClose(slot, CloseMode::Flush, QStringLiteral("fault: retry changed, then closed"));
        return;
    }

    const bool dripping = slot->dripRate > 0;
    m_dripping += int(dripping) - int(wasDripping);
    if (dripping)
        m_nextTickMs = std::min(m_nextTickMs, monotonicMs() + 50);
    if (!slot->stalled && !slot->queue.empty() && !slot->dirty) {
        slot->dirty = true;
        m_dirty.push_back(slot);
    }
}

void DeliveryWorker::cutMidEvent(Slot *slot)
{
    // Half of the frame (at least one byte, never all of it), then FIN: the client sees a
    // stream that ends inside an event, which it must discard.
    const Chunk &front = slot->queue.front();
    const qsizetype half = std::max<qsizetype>(1, front.bytes.size() / 2);
    const ssize_t written = ::send(slot->fd, front.bytes.constData(), size_t(half), MSG_NOSIGNAL);
    if (written > 0 && slot->session->isTapEnabled())
        slot->session->tap(front.bytes.constData(), written);
    if (written > 0)
        bump(slot->session->m_bytesSent, quint64(written));
    slot->cutNext = false;
    condemn(slot, QStringLiteral("fault: cut mid-event"), false);
}

void DeliveryWorker::shutdownAll()
{
    // Apply what was queued before the stop so that no accepted client is left unclosed.
    applyCommands();
    const QString reason = QStringLiteral("server shutting down");
    for (auto &[id, slot] : m_slots) {
        if (!slot->condemned && !slot->closing)
            beginClose(slot.get(), CloseMode::Flush, reason);
    }
    m_dirty.clear();
    sweep();

    // Streams with bytes still queued get a bounded time to take them, so that what they were
    // sent arrives before the FIN; readers that do not keep up within it are reset.
    const qint64 deadline = monotonicMs() + m_config.shutdownFlushMs;
    epoll_event events[MaxEpollEvents];
    while (!m_slots.empty()) {
        const qint64 left = deadline - monotonicMs();
        if (left <= 0)
            break;
        const int n = epoll_wait(m_epoll, events, MaxEpollEvents, int(left));
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; ++i) {
            auto *slot = static_cast<Slot *>(events[i].data.ptr);
            if (!slot) {
                quint64 count; // a late command's wake-up: nothing more is applied now
                [[maybe_unused]] ssize_t r = ::read(m_wake, &count, sizeof count);
                continue;
            }
            if (slot->condemned)
                continue;
            if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                readFrom(slot);
            if (!slot->condemned && (events[i].events & EPOLLOUT))
                flush(slot);
        }
        sweep();
    }
    for (auto &[id, slot] : m_slots)
        condemn(slot.get(), reason + QStringLiteral(" (flush timed out)"), true);
    sweep();
}

} // namespace Herald
