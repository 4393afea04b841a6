#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <mutex>

namespace Herald {

// Who a stream client is, fixed when its stream starts.
struct ClientInfo
{
    quint64 id = 0;
    QString remote; // "address:port"
    QString userAgent;
    QString origin; // the browser's Origin header, if any
    QStringList topics;
    QDateTime connectedAt;
    QByteArray lastEventId; // as the client sent it on connect, empty if none
    QString node;
};

// One bytes chunk waiting to go to a client; eventId is set when the chunk is an event frame, so
// that an event counts as sent only once its last byte reached the kernel.
struct Chunk
{
    QByteArray bytes;
    qint64 eventId = 0;
};

// A connected stream client as the rest of Herald sees it: its identity and live counters. The
// delivery worker that owns the socket updates the counters; any thread may read them. They
// come first and share one cache line, which every delivery to this client writes.
class alignas(64) ClientSession
{
public:
    enum class State { Streaming, Closing, Closed };

    explicit ClientSession(ClientInfo info)
        : m_info(std::move(info))
    { }

    const ClientInfo &info() const { return m_info; }
    quint64 id() const { return m_info.id; }

    quint64 eventsSent() const { return m_eventsSent.load(std::memory_order_relaxed); }
    quint64 bytesSent() const { return m_bytesSent.load(std::memory_order_relaxed); }
    qint64 queuedBytes() const { return m_queuedBytes.load(std::memory_order_relaxed); }
    qint64 lastSentId() const { return m_lastSentId.load(std::memory_order_relaxed); }
    State state() const { return m_state.load(std::memory_order_relaxed); }

    // The wire tap: while enabled, the last TapLimit bytes written to this client (heartbeats
    // and comments included) are kept, for the console's raw view.
    static constexpr qsizetype TapLimit = 64 * 1024;
    void setTapEnabled(bool enabled)
    {
        m_tapEnabled.store(enabled, std::memory_order_relaxed);
        if (!enabled) {
            std::lock_guard lock(m_tapMutex);
            m_tap.clear();
        }
    }
    bool isTapEnabled() const { return m_tapEnabled.load(std::memory_order_relaxed); }
    QByteArray tapped() const
    {
        std::lock_guard lock(m_tapMutex);
        return m_tap;
    }

private:
    void tap(const char *data, qsizetype size)
    {
        std::lock_guard lock(m_tapMutex);
        m_tap.append(data, size);
        if (m_tap.size() > TapLimit)
            m_tap.remove(0, m_tap.size() - TapLimit);
    }

    friend class DeliveryWorker;

    std::atomic<quint64> m_eventsSent{0};
    std::atomic<quint64> m_bytesSent{0};
    std::atomic<qint64> m_queuedBytes{0};
    std::atomic<qint64> m_lastSentId{0};
    std::atomic<State> m_state{State::Streaming};
    std::atomic<bool> m_tapEnabled{false};
    const ClientInfo m_info;
    mutable std::mutex m_tapMutex;
    QByteArray m_tap;
};

using SessionPtr = std::shared_ptr<ClientSession>;

} // namespace Herald
