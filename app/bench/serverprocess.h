#pragma once

#include <QString>
#include <QStringList>

#include <sys/types.h>

namespace Herald::Bench {

// A Herald the bench starts itself: "PATH --headless --port 0 [arguments]", its URL read from the
// line it prints on stdout, stopped with SIGTERM (SIGKILL if it lingers) when the run is over.
// The child gets SIGTERM should the bench die first, and inherits the bench's open-files limit.
class ServerProcess
{
public:
    ServerProcess() = default;
    ~ServerProcess();

    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // Starts the server and waits up to timeoutMs for its URL.
    bool start(const QString &path, const QStringList &arguments, int timeoutMs, QString *error);
    // Returns the exit status seen (or -1 when it had to be killed).
    int stop(int timeoutMs = 5000);

    pid_t pid() const { return m_pid; }
    QString url() const { return m_url; }

private:
    pid_t m_pid = -1;
    QString m_url;
};

} // namespace Herald::Bench
