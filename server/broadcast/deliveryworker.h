#pragma once

#include "broadcast/clientsession.h"
#include "broadcast/event.h"

#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace Herald {

enum class CloseMode {
    Flush, // write what is queued, then FIN: the client sees a clean end of stream
    Reset // drop what is queued and send RST
};

// A misbehaviour forced on one stream, so that QA can see how clients cope (faults/ turns the
// user-facing fault kinds into these).
struct StreamFault
{
    enum class Kind {
        Stall, // stop writing, heartbeats included, until Resume
        Resume, // undo Stall and Drip
        Drip, // write at most `amount` bytes per second
        CutMidEvent, // write part of the next event frame, then close
        DropAfterEvents, // close cleanly once `amount` more events were written
        DropAfterTime, // close cleanly after `amount` ms
        RetryThenClose // send "retry: amount", then close cleanly
    };
    Kind kind = Kind::Stall;
    qint64 amount = 0;
};

// One thread with its own epoll set that owns a share of the stream sockets and writes every
// event to them. Sockets are non-blocking and written straight from the shared frame: one
// send() per client when its queue is empty, one sendmsg() of everything queued otherwise, so a
// slow client costs queue entries (references to shared frames), not copies.
//
// Commands (attach, publish, close) are queued under a mutex and applied in order on the worker
// thread; a client attached before an event was published therefore gets that event exactly once,
// after its replay. Linux only (epoll, eventfd).
class DeliveryWorker
{
public:
    struct Config
    {
        int heartbeatMs = 15000;
        qint64 maxQueuedBytes = 1 << 20;
        int closeTimeoutMs = 5000; // how long a flushing close may wait for a slow reader
        int shutdownFlushMs = 2000; // how long stopping may wait to flush every stream
    };

    // Called on the worker thread once a session's socket is closed.
    using ClosedCallback = std::function<void(const SessionPtr &session, const QString &reason)>;

    DeliveryWorker(int index, Config config, ClosedCallback onClosed);
    ~DeliveryWorker();

    DeliveryWorker(const DeliveryWorker &) = delete;
    DeliveryWorker &operator=(const DeliveryWorker &) = delete;

    bool start(QString *error);
    // Closes every stream with a flush (so clients reconnect elsewhere), waiting at most
    // shutdownFlushMs for slow readers, and joins the thread.
    void stop();
    // The first half of stop(), so that several workers flush at the same time.
    void requestStop();

    // Takes ownership of fd. The initial chunks (response head, retry, replay) go out first;
    // published events at or below floorId are not sent to this session.
    void attach(SessionPtr session, int fd, std::vector<Chunk> initial, qint64 floorId);
    void publish(EventPtr event);
    // Raw bytes for one client (a comment, a retry change), queued after what it already has.
    void send(quint64 sessionId, Chunk chunk);
    void close(quint64 sessionId, CloseMode mode, const QString &reason);
    void applyFault(quint64 sessionId, StreamFault fault);

    int index() const { return m_index; }
    quint64 deliveries() const { return m_deliveries.load(std::memory_order_relaxed); }
    quint64 bytesWritten() const { return m_bytes.load(std::memory_order_relaxed); }
    quint64 drops() const { return m_drops.load(std::memory_order_relaxed); }
    quint64 heartbeats() const { return m_heartbeats.load(std::memory_order_relaxed); }

private:
    struct Slot;
    struct TopicList;
    struct Command;

    void post(Command &&command);
    void run();
    void applyCommands();
    void attachSlot(Command &command);
    void publishToTopic(const EventPtr &event, bool direct);
    bool sendDirect(Slot *slot, const QByteArray &frame, qint64 eventId);
    void enqueue(Slot *slot, Chunk chunk);
    void flush(Slot *slot);
    void consume(Slot *slot, qint64 written);
    // An event's last byte reached the kernel.
    void countEvent(ClientSession &session, qint64 eventId);
    void readFrom(Slot *slot);
    void beginClose(Slot *slot, CloseMode mode, const QString &reason);
    void condemn(Slot *slot, const QString &reason, bool reset);
    void sweep();
    void tick(qint64 nowMs);
    void applyFaultToSlot(Slot *slot, const StreamFault &fault);
    void cutMidEvent(Slot *slot);
    void shutdownAll();

    const int m_index;
    const Config m_config;
    ClosedCallback m_onClosed;

    int m_epoll = -1;
    int m_wake = -1;
    std::thread m_thread;

    std::mutex m_mutex;
    std::vector<Command> m_pending; // guarded by m_mutex
    bool m_stopRequested = false; // guarded by m_mutex

    // Worker thread only.
    std::unordered_map<quint64, std::unique_ptr<Slot>> m_slots;
    std::unordered_map<QString, std::unique_ptr<TopicList>> m_topics;
    std::vector<Slot *> m_dirty;
    std::vector<Slot *> m_condemned;
    qint64 m_nextTickMs = 0;
    qint64 m_passMs = 0; // when the current loop pass woke
    int m_dripping = 0; // slots with a drip fault: they need a fine tick

    std::atomic<quint64> m_deliveries{0};
    std::atomic<quint64> m_bytes{0};
    std::atomic<quint64> m_drops{0};
    std::atomic<quint64> m_heartbeats{0};
};

} // namespace Herald
