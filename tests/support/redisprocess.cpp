#include "redisprocess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QUrl>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace Herald::Test {

namespace {

// Our own rather than testsupport's, so this file stands alone.
quint16 pickFreePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

int remaining(const QDeadlineTimer &deadline)
{
    return int(std::max<qint64>(1, deadline.remainingTime()));
}

} // namespace

RedisProcess::RedisProcess(const QString &password, const QStringList &extraArguments)
    : m_password(password)
    , m_extraArguments(extraArguments)
{ }

RedisProcess::~RedisProcess()
{
    kill();
}

QString RedisProcess::executable()
{
    const QString fromEnv = qEnvironmentVariable("HERALD_REDIS_SERVER");
    if (!fromEnv.isEmpty() && QFileInfo(fromEnv).isExecutable())
        return fromEnv;
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (!onPath.isEmpty())
        return onPath;
    const QString fallback = QStringLiteral("/usr/bin/redis-server");
    return QFileInfo(fallback).isExecutable() ? fallback : QString();
}

const char *RedisProcess::missingMessage()
{
    return "redis-server not found on PATH, in /usr/bin or in $HERALD_REDIS_SERVER: "
           "install it (apt-get install redis-server) to run the Redis tests";
}

bool RedisProcess::start(int timeoutMs)
{
    if (isRunning())
        return true;
    if (executable().isEmpty()) {
        m_error = QString::fromLatin1(missingMessage());
        return false;
    }
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a working directory: %1").arg(m_dir.errorString());
        return false;
    }
    const QDeadlineTimer deadline(timeoutMs);
    const bool pickPort = m_port == 0;
    // A picked port can be taken by someone else before redis binds it, and a killed server's
    // port may take a moment to be free again: retry while there is time.
    do {
        if (pickPort) {
            m_port = pickFreePort();
            if (m_port == 0) {
                m_error = QStringLiteral("no free port on 127.0.0.1");
                return false;
            }
        }
        if (startOnce(remaining(deadline)))
            return true;
        if (pickPort)
            m_port = 0;
    } while (!deadline.hasExpired());
    return false;
}

bool RedisProcess::startOnce(int timeoutMs)
{
    if (!spawn())
        return false;
    if (waitUntilAnswering(timeoutMs))
        return true;
    const QString why = m_error;
    kill();
    m_error = why;
    return false;
}

bool RedisProcess::spawn()
{
    QStringList arguments{executable(),
                          QStringLiteral("--port"),
                          QString::number(m_port),
                          QStringLiteral("--bind"),
                          QStringLiteral("127.0.0.1"),
                          QStringLiteral("--save"),
                          QString(),
                          QStringLiteral("--appendonly"),
                          QStringLiteral("no"),
                          QStringLiteral("--daemonize"),
                          QStringLiteral("no"),
                          QStringLiteral("--dir"),
                          m_dir.path(),
                          QStringLiteral("--loglevel"),
                          QStringLiteral("warning")};
    if (!m_password.isEmpty())
        arguments << QStringLiteral("--requirepass") << m_password;
    arguments += m_extraArguments;

    // Everything the child needs is prepared before fork(): after it, only async-signal-safe
    // calls until exec.
    std::vector<std::string> storage;
    storage.reserve(size_t(arguments.size()));
    for (const QString &argument : std::as_const(arguments))
        storage.push_back(argument.toStdString());
    std::vector<char *> argv;
    for (std::string &argument : storage)
        argv.push_back(argument.data());
    argv.push_back(nullptr);

    const QByteArray logPath = QFile::encodeName(m_dir.filePath(QStringLiteral("redis.log")));
    const int log = ::open(logPath.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log < 0) {
        m_error = QStringLiteral("cannot open %1").arg(QFile::decodeName(logPath));
        return false;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Don't outlive a crashed test.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(126);
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(log);
    if (pid < 0) {
        m_error = QStringLiteral("cannot fork: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    m_pid = pid;
    return true;
}

bool RedisProcess::waitUntilAnswering(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (!isRunning()) {
            m_error = QStringLiteral("redis-server on port %1 exited: %2")
                          .arg(m_port)
                          .arg(QString::fromLocal8Bit(output()).trimmed());
            return false;
        }
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (socket.waitForConnected(100)) {
            socket.write("PING\r\n");
            QByteArray reply;
            while (!reply.contains('\n') && socket.waitForReadyRead(200))
                reply += socket.readAll();
            // Without AUTH a password-protected server answers -NOAUTH: it is up all the same.
            // Still running: it is ours, not someone else who got the port first.
            if ((reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")) && isRunning())
                return true;
        } else {
            QThread::msleep(5); // refused at once while the server starts
        }
    }
    m_error = QStringLiteral("redis-server on port %1 did not answer PING within %2 ms: %3")
                  .arg(m_port)
                  .arg(timeoutMs)
                  .arg(QString::fromLocal8Bit(output()).trimmed());
    return false;
}

void RedisProcess::signalAndReap(int signal, int graceMs)
{
    if (m_pid <= 0)
        return;
    ::kill(m_pid, signal);
    const QDeadlineTimer deadline(graceMs);
    while (isRunning() && !deadline.hasExpired())
        QThread::msleep(2);
}

void RedisProcess::kill()
{
    if (m_pid <= 0)
        return;
    ::kill(m_pid, SIGKILL);
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) { }
    m_pid = 0;
}

void RedisProcess::stop()
{
    signalAndReap(SIGTERM, 3000);
    kill();
}

bool RedisProcess::isRunning() const
{
    if (m_pid <= 0)
        return false;
    int status = 0;
    const pid_t result = ::waitpid(m_pid, &status, WNOHANG);
    if (result == 0)
        return true;
    m_pid = 0; // reaped, or not our child anymore
    return false;
}

QString RedisProcess::url() const
{
    QString auth;
    if (!m_password.isEmpty())
        auth = u':' + QString::fromLatin1(QUrl::toPercentEncoding(m_password)) + u'@';
    return QStringLiteral("redis://") + auth + QStringLiteral("127.0.0.1:")
        + QString::number(m_port);
}

QByteArray RedisProcess::output() const
{
    QFile log(m_dir.filePath(QStringLiteral("redis.log")));
    if (!log.open(QIODevice::ReadOnly))
        return {};
    return log.readAll();
}

} // namespace Herald::Test
