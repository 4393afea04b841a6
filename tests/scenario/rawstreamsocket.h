#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>

class QSocketNotifier;

namespace Herald::Test {

// A stream request on a bare non-blocking POSIX socket, so that a test sees the wire as the
// kernel reports it: each batch of bytes with its arrival time, and how the stream ended - a FIN
// (recv returns 0) or a reset (ECONNRESET), which Qt's sockets report alike.
class RawStreamSocket : public QObject
{
    Q_OBJECT

public:
    enum class End { Open, Fin, Reset, Error };
    struct Arrival
    {
        qint64 atMs = 0; // monotonic
        qsizetype bytes = 0;
    };

    explicit RawStreamSocket(QObject *parent = nullptr);
    ~RawStreamSocket() override;

    // Connects to 127.0.0.1:port and sends "GET target" with these extra header lines.
    bool open(quint16 port, const QByteArray &target = "/events",
              const QList<QByteArray> &headers = {});

    QByteArray received() const { return m_received; }
    bool headComplete() const { return m_received.contains("\r\n\r\n"); }
    int status() const;
    QByteArray head() const;
    QByteArray body() const; // everything after the head
    qsizetype bodySize() const { return body().size(); }
    QList<Arrival> arrivals() const { return m_arrivals; }
    End end() const { return m_end; }
    int endErrno() const { return m_errno; }
    qint64 endedAtMs() const { return m_endedAtMs; }
    // The number of event frames ("id:" lines) in the body.
    int eventFrames() const;

    static qint64 monotonicMs();

private:
    void readAvailable();
    void finish(End end, int error);

    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_received;
    QList<Arrival> m_arrivals;
    End m_end = End::Open;
    int m_errno = 0;
    qint64 m_endedAtMs = 0;
};

} // namespace Herald::Test
