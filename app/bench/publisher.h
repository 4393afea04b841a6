#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Herald::Bench {

class LoopbackUrl;

// Publishes `total` events at a steady rate on its own thread: event k is due at start + k/rate,
// paced by an absolute CLOCK_MONOTONIC timerfd, and sent as "POST /publish" with JSON
// {"topic","data"} on a keep-alive HTTP/1.1 connection that has no request outstanding. When
// every connection is waiting for an answer, another is opened (up to maxConnections); past
// that, due events wait (the backlog is reported). The data is "hb <seq> <ns> xxx...": the
// sequence number and the CLOCK_MONOTONIC time of sending, padded to the payload size.
class Publisher
{
public:
    enum Status : quint8 { NotSent = 0, Pending = 1, Accepted = 2, Failed = 3 };

    struct Config
    {
        const LoopbackUrl *url = nullptr;
        QByteArray topic;
        int payload = 100;
        double rate = 100;
        qint64 total = 0;
        int maxConnections = 4;
        double drainTimeoutS = 10; // for answers after the last send
    };

    explicit Publisher(const Config &config);
    ~Publisher();

    Publisher(const Publisher &) = delete;
    Publisher &operator=(const Publisher &) = delete;

    // Starts the thread; event 0 is due at once.
    bool start(QString *message);
    // No new publishes; answers still outstanding are waited for.
    void requestStop() { m_stopRequested.store(true, std::memory_order_relaxed); }
    // Every publish was sent and answered (or given up on); the results below are final.
    bool finished() const { return m_finished.load(std::memory_order_acquire); }
    void join();

    qint64 sent() const { return m_sent.load(std::memory_order_relaxed); }
    qint64 accepted() const { return m_accepted.load(std::memory_order_relaxed); }
    qint64 failed() const { return m_failedCount.load(std::memory_order_relaxed); }
    // Valid once finished().
    const std::vector<quint8> &status() const { return m_status; }
    QMap<QString, int> failures() const;
    qint64 maxBacklog() const { return m_maxBacklog; }
    int connectionsOpened() const { return m_connectionsOpened; }
    double elapsedS() const { return m_elapsedS; } // first send to the last answer

private:
    struct Connection
    {
        int fd = -1;
        bool connected = false;
        bool dead = false;
        qint64 seq = -1; // the publish waiting for its answer, -1 when idle
        std::string out;
        size_t outOffset = 0;
        std::string in;
    };

    void run();
    bool openConnection();
    void sendDue(qint64 nowNs);
    void sendOn(Connection *connection, qint64 seq);
    void writeOut(Connection *connection);
    void readIn(Connection *connection);
    void settle(qint64 seq, bool ok, const QString &failure);
    void drop(Connection *connection, const QString &reason);
    void armTimer();
    qint64 dueNs(qint64 seq) const; // when event seq is to be sent

    Config m_config;
    QByteArray m_prefix; // request bytes before the body
    int m_epoll = -1;
    int m_timer = -1;
    std::thread m_thread;
    std::vector<std::unique_ptr<Connection>> m_connections;

    qint64 m_startNs = 0;
    qint64 m_next = 0; // next sequence number to send
    qint64 m_outstanding = 0;
    qint64 m_lastSendNs = 0;
    qint64 m_maxBacklog = 0;
    int m_connectionsOpened = 0;
    double m_elapsedS = 0;
    std::vector<quint8> m_status;
    mutable std::mutex m_failuresMutex;
    QMap<QString, int> m_failures;

    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_finished{false};
    std::atomic<qint64> m_sent{0};
    std::atomic<qint64> m_accepted{0};
    std::atomic<qint64> m_failedCount{0};
};

} // namespace Herald::Bench
