#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <sys/types.h>

namespace Herald::Test {

// A private redis-server for one test: 127.0.0.1 only, on a free port, no persistence, killed
// in the destructor. It can be SIGKILLed and started again on the same port to test reconnects.
//
//     if (RedisProcess::executable().isEmpty())
//         QSKIP(RedisProcess::missingMessage());
//     RedisProcess redis;
//     QVERIFY2(redis.start(), qPrintable(redis.errorString()));
class RedisProcess
{
public:
    // password: started with --requirepass, and url() carries it.
    explicit RedisProcess(const QString &password = {}, const QStringList &extraArguments = {});
    ~RedisProcess();

    RedisProcess(const RedisProcess &) = delete;
    RedisProcess &operator=(const RedisProcess &) = delete;

    // redis-server from PATH or /usr/bin; empty when there is none.
    static QString executable();
    // Why the tests skip without it.
    static const char *missingMessage();

    // Starts the server and waits until it answers PING (timeoutMs at most). The first start
    // picks a free port; later ones reuse it. False, with errorString(), on failure.
    bool start(int timeoutMs = 10000);
    // SIGKILL, then waits for the process to be gone.
    void kill();
    // Terminates it politely (SIGTERM), then SIGKILL if it lingers.
    void stop();
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString password() const { return m_password; }
    // redis://[:password@]127.0.0.1:port
    QString url() const;
    QString errorString() const { return m_error; }
    // Everything the server printed so far (for failure messages).
    QByteArray output() const;
    qint64 pid() const { return m_pid; }

private:
    bool startOnce(int timeoutMs);
    bool spawn();
    bool waitUntilAnswering(int timeoutMs);
    void signalAndReap(int signal, int graceMs);

    QString m_password;
    QStringList m_extraArguments;
    quint16 m_port = 0;
    mutable pid_t m_pid = 0; // reaped (and reset) by isRunning()
    QTemporaryDir m_dir;
    QString m_error;
};

} // namespace Herald::Test
