#include "serverprocess.h"

#include "benchlogging.h"

#include <QByteArray>
#include <QRegularExpression>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace Herald::Bench {

namespace {

qint64 nowMs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

} // namespace

ServerProcess::~ServerProcess()
{
    stop();
}

bool ServerProcess::start(const QString &path, const QStringList &arguments, int timeoutMs,
                          QString *error)
{
    std::vector<QByteArray> argvBytes;
    argvBytes.push_back(path.toLocal8Bit());
    argvBytes.push_back("--headless");
    argvBytes.push_back("--port");
    argvBytes.push_back("0");
    for (const QString &argument : arguments)
        argvBytes.push_back(argument.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &bytes : argvBytes)
        argv.push_back(bytes.data());
    argv.push_back(nullptr);

    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
        *error = QStringLiteral("pipe: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    // Herald's lifecycle lines at info would interleave with the bench's; keep its warnings.
    // The environment is made here, before fork: the child may only make async-signal-safe calls.
    std::vector<char *> env;
    for (char **entry = environ; *entry; ++entry)
        env.push_back(*entry);
    static char quietRules[] = "QT_LOGGING_RULES=herald.*.info=false";
    if (qgetenv("QT_LOGGING_RULES").isEmpty())
        env.push_back(quietRules);
    env.push_back(nullptr);
    const pid_t parent = getpid();

    const pid_t pid = fork();
    if (pid < 0) {
        *error = QStringLiteral("fork: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        ::close(out[0]);
        ::close(out[1]);
        return false;
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls from here to exec.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        dup2(out[1], STDOUT_FILENO);
        execve(argv[0], argv.data(), env.data());
        const char message[] = "herald-bench: cannot execute the server\n";
        [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, message, sizeof message - 1);
        _exit(127);
    }
    ::close(out[1]);
    m_pid = pid;

    // Read stdout until the "serving on http://..." line.
    static const QRegularExpression serving(QStringLiteral("serving on (http://\\S+)"));
    QByteArray text;
    const qint64 deadline = nowMs() + timeoutMs;
    while (true) {
        const qint64 left = deadline - nowMs();
        if (left <= 0) {
            *error = QStringLiteral("%1 printed no URL within %2 ms").arg(path).arg(timeoutMs);
            break;
        }
        pollfd pfd{out[0], POLLIN, 0};
        const int ready = poll(&pfd, 1, int(left));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            continue;
        char buffer[1024];
        const ssize_t n = ::read(out[0], buffer, sizeof buffer);
        if (n <= 0) {
            *error = QStringLiteral("%1 exited before printing its URL").arg(path);
            break;
        }
        text.append(buffer, n);
        const QRegularExpressionMatch match = serving.match(QString::fromLocal8Bit(text));
        if (match.hasMatch() && text.contains('\n')) {
            m_url = match.captured(1);
            break;
        }
    }
    // Herald writes nothing more on stdout; it ignores SIGPIPE should it ever try.
    ::close(out[0]);
    if (m_url.isEmpty()) {
        stop(1000);
        return false;
    }
    qCInfo(lcBench).noquote() << "spawned" << path << "pid" << m_pid << "at" << m_url;
    return true;
}

int ServerProcess::stop(int timeoutMs)
{
    if (m_pid <= 0)
        return 0;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    const qint64 deadline = nowMs() + timeoutMs;
    while (true) {
        const pid_t done = waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid || (done < 0 && errno != EINTR))
            break;
        if (nowMs() >= deadline) {
            qCWarning(lcBench) << "server pid" << m_pid << "ignored SIGTERM; killing it";
            ::kill(m_pid, SIGKILL);
            waitpid(m_pid, &status, 0);
            m_pid = -1;
            return -1;
        }
        usleep(10000);
    }
    m_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace Herald::Bench
