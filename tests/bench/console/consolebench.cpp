// herald-console-bench: is the console window smooth with 10,000 clients and events flowing?
//
// The window runs offscreen with its embedded server; a child process (this program again, with
// --subscribers) opens the subscriber sockets, because 10,000 connections need 20,000
// descriptors when both ends live in one process. A 5 ms timer on the GUI thread measures how
// late it fires: the lateness is how long the GUI thread was busy (a stall). Target: none over
// 16 ms (one frame at 60 Hz).

#include "clientsmodel.h"
#include "composer.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int MaxClients = 18000; // the descriptor limit here is 20,000 per process
constexpr int MaxDurationSeconds = 120;
constexpr int ConnectTimeoutSeconds = 120;

void raiseDescriptorLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// --- The subscriber child: plain sockets and epoll, no Qt event loop. ---------------------------

struct Subscriber
{
    int fd = -1;
    bool connected = false;
    bool streaming = false;
    std::string head;
};

int runSubscribers(quint16 port, int count)
{
    raiseDescriptorLimit();
    // The subscribers stand in for browsers on other machines: on a shared two-core box they
    // should not take the CPU from the window being measured more than they must.
    [[maybe_unused]] int niced = ::nice(10);
    std::signal(SIGPIPE, SIG_IGN);
    const int epoll = epoll_create1(EPOLL_CLOEXEC);
    std::vector<Subscriber> subscribers(static_cast<size_t>(count));
    const std::string request = "GET /events?topic=bench HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "User-Agent: herald-console-bench\r\nOrigin: http://bench.local\r\n"
                                "\r\n";
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int opened = 0;
    int pending = 0; // connecting or waiting for the response head
    int streaming = 0;
    int failed = 0;
    quint64 bytes = 0;
    QElapsedTimer report;
    report.start();
    char buffer[65536];

    while (true) {
        // Keep a bounded number of handshakes in flight, so the listen backlog never overflows
        // (an overflow costs a one-second SYN retry, not a failure, but it skews the timing).
        while (opened < count && pending < 256) {
            Subscriber &s = subscribers[size_t(opened)];
            s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (s.fd < 0) {
                ++failed;
                ++opened;
                continue;
            }
            const int rc = ::connect(s.fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
            if (rc != 0 && errno != EINPROGRESS) {
                ::close(s.fd);
                s.fd = -1;
                ++failed;
                ++opened;
                continue;
            }
            epoll_event event{};
            event.events = EPOLLIN | EPOLLOUT;
            event.data.u32 = quint32(opened);
            epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &event);
            ++opened;
            ++pending;
        }

        epoll_event events[512];
        const int n = epoll_wait(epoll, events, 512, 100);
        for (int i = 0; i < n; ++i) {
            Subscriber &s = subscribers[events[i].data.u32];
            if (s.fd < 0)
                continue;
            if (!s.connected && (events[i].events & EPOLLOUT)) {
                s.connected = true;
                // The request is tiny: one send always takes it whole.
                [[maybe_unused]] ssize_t sent
                    = ::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL);
                epoll_event event{};
                event.events = EPOLLIN;
                event.data.u32 = events[i].data.u32;
                epoll_ctl(epoll, EPOLL_CTL_MOD, s.fd, &event);
            }
            if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            while (true) {
                const ssize_t got = ::recv(s.fd, buffer, sizeof buffer, 0);
                if (got > 0) {
                    bytes += quint64(got);
                    if (!s.streaming) {
                        s.head.append(buffer, size_t(got));
                        if (s.head.find("\r\n\r\n") != std::string::npos) {
                            s.streaming = s.head.rfind("HTTP/1.1 200", 0) == 0;
                            s.head.clear();
                            --pending;
                            if (s.streaming)
                                ++streaming;
                            else
                                ++failed;
                        }
                    }
                    continue;
                }
                if (got < 0 && (errno == EAGAIN || errno == EINTR))
                    break;
                // Closed by the server, or an error: this subscriber is done.
                if (s.streaming)
                    --streaming;
                else
                    --pending, ++failed;
                ::close(s.fd);
                s.fd = -1;
                break;
            }
        }

        if (report.elapsed() >= 200) {
            report.restart();
            std::printf("streaming %d failed %d bytes %llu\n", streaming, failed,
                        static_cast<unsigned long long>(bytes));
            std::fflush(stdout);
            // The parent closes our stdin when it is done (or dies): then we are done too.
            pollfd in{STDIN_FILENO, POLLIN, 0};
            if (::poll(&in, 1, 0) > 0) {
                char c;
                if (::read(STDIN_FILENO, &c, 1) <= 0)
                    break;
            }
        }
    }
    for (Subscriber &s : subscribers) {
        if (s.fd >= 0)
            ::close(s.fd);
    }
    return 0;
}

// --- The console side. -----------------------------------------------------------------------

double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// How late a 5 ms timer on the GUI thread fires, per phase. A late tick is either the GUI
// thread working (its CPU time grew by about the lateness) or the thread waiting for a core
// that the server and the subscribers hold (on a shared two-core machine): both are recorded.
class StallProbe : public QObject
{
public:
    explicit StallProbe(QObject *parent)
        : QObject(parent)
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(IntervalMs);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const double lateMs = double(m_clock.nsecsElapsed()) / 1e6 - IntervalMs;
            const double cpu = threadCpuMs();
            m_clock.start();
            m_lateness.push_back(std::max(0.0, lateMs));
            m_busy.push_back(cpu - m_lastCpuMs);
            m_lastCpuMs = cpu;
        });
    }

    void begin()
    {
        m_lateness.clear();
        m_busy.clear();
        m_lastCpuMs = threadCpuMs();
        m_clock.start();
        m_timer.start();
    }

    QJsonObject end()
    {
        m_timer.stop();
        std::vector<double> sorted = m_lateness;
        std::sort(sorted.begin(), sorted.end());
        auto quantile = [&sorted](double q) {
            return sorted.empty() ? 0.0
                                  : sorted[std::min(sorted.size() - 1, size_t(q * sorted.size()))];
        };
        const auto over
            = std::count_if(sorted.begin(), sorted.end(), [](double ms) { return ms > 16.0; });
        // The longest time the GUI thread itself computed between two ticks.
        const double busyMax = m_busy.empty() ? 0 : *std::max_element(m_busy.begin(), m_busy.end());
        const auto busyOver
            = std::count_if(m_busy.begin(), m_busy.end(), [](double ms) { return ms > 16.0; });
        return QJsonObject{{QStringLiteral("ticks"), qint64(sorted.size())},
                           {QStringLiteral("stall_max_ms"), sorted.empty() ? 0 : sorted.back()},
                           {QStringLiteral("stall_p99_ms"), quantile(0.99)},
                           {QStringLiteral("stall_p50_ms"), quantile(0.5)},
                           {QStringLiteral("stalls_over_16ms"), qint64(over)},
                           {QStringLiteral("gui_busy_max_ms"), busyMax},
                           {QStringLiteral("gui_busy_over_16ms"), qint64(busyOver)}};
    }

private:
    static constexpr int IntervalMs = 5;
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_lastCpuMs = 0;
    std::vector<double> m_lateness;
    std::vector<double> m_busy;
};

// Runs the event loop until done() or the time is up; returns done(). The loop sleeps between
// events (a busy processEvents() loop would eat the core the GUI and the server need).
template<typename F> bool waitUntil(F done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    QEventLoop loop;
    QTimer check;
    check.setInterval(20);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done() || clock.elapsed() > timeoutMs)
            loop.quit();
    });
    check.start();
    if (!done())
        loop.exec();
    return done();
}

void print(const char *phase, const QJsonObject &o)
{
    std::printf("%-10s stall max %6.1f ms  p99 %5.1f ms  p50 %4.1f ms  over 16 ms: %lld of %lld "
                "ticks; GUI thread busy at most %.1f ms at a stretch\n",
                phase, o.value(QStringLiteral("stall_max_ms")).toDouble(),
                o.value(QStringLiteral("stall_p99_ms")).toDouble(),
                o.value(QStringLiteral("stall_p50_ms")).toDouble(),
                qint64(o.value(QStringLiteral("stalls_over_16ms")).toDouble()),
                qint64(o.value(QStringLiteral("ticks")).toDouble()),
                o.value(QStringLiteral("gui_busy_max_ms")).toDouble());
}

} // namespace

int main(int argc, char **argv)
{
    // The child mode first: no Qt application at all.
    if (argc == 4 && std::strcmp(argv[1], "--subscribers") == 0)
        return runSubscribers(quint16(std::atoi(argv[2])), std::atoi(argv[3]));

    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    // Our own info lines would interleave with the figures.
    if (!qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        qputenv("QT_LOGGING_RULES", "herald.*.info=false");
    std::signal(SIGPIPE, SIG_IGN);
    raiseDescriptorLimit();

    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("HeraldBench"));
    QCoreApplication::setApplicationName(QStringLiteral("herald-console-bench"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The console window under 10,000 clients."));
    parser.addHelpOption();
    QCommandLineOption clientsOption(QStringLiteral("clients"), QStringLiteral("subscribers"),
                                     QStringLiteral("N"), QStringLiteral("10000"));
    QCommandLineOption rateOption(QStringLiteral("rate"), QStringLiteral("events per second"),
                                  QStringLiteral("R"), QStringLiteral("100"));
    QCommandLineOption durationOption(QStringLiteral("duration"),
                                      QStringLiteral("seconds of publishing"), QStringLiteral("S"),
                                      QStringLiteral("20"));
    QCommandLineOption sortOption(QStringLiteral("sort-by-events"),
                                  QStringLiteral("sort the table by a live counter (worst case)"));
    parser.addOptions({clientsOption, rateOption, durationOption, sortOption});
    parser.process(app);
    const int clients = std::clamp(parser.value(clientsOption).toInt(), 1, MaxClients);
    const double rate = std::clamp(parser.value(rateOption).toDouble(), 0.1, 100000.0);
    const int duration = std::clamp(parser.value(durationOption).toInt(), 1, MaxDurationSeconds);

    Herald::NodeConfig config;
    config.port = 0;
    config.bindAddress = QHostAddress::LocalHost;
    config.broadcast.workers = 2;
    config.broadcast.nodeId = QStringLiteral("bench");
    Herald::MainWindow window(config);
    window.resize(1280, 800);
    window.show();
    if (parser.isSet(sortOption))
        window.clientsView()->sortByColumn(Herald::ClientsModel::EventsSentColumn,
                                           Qt::DescendingOrder);
    window.startServer();
    if (!waitUntil([&] { return window.host()->isRunning(); }, 10000)) {
        std::fprintf(stderr, "herald-console-bench: the server did not start\n");
        return 1;
    }
    const quint16 port = quint16(window.host()->url().port());
    std::printf("console bench: %d clients, %.0f events/s for %d s, port %u%s\n", clients, rate,
                duration, port, parser.isSet(sortOption) ? ", sorted by events" : "");

    StallProbe probe(&app);
    Herald::ClientsModel *model = window.clientsModel();

    // Phase 1: the clients connect.
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QByteArray childStatus;
    QObject::connect(&child, &QProcess::readyReadStandardOutput, &child, [&] {
        while (child.canReadLine())
            childStatus = child.readLine().trimmed();
    });
    QElapsedTimer phaseClock;
    phaseClock.start();
    probe.begin();
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--subscribers"), QString::number(port), QString::number(clients)});
    const bool allConnected
        = waitUntil([&] { return model->rowCount() >= clients; }, ConnectTimeoutSeconds * 1000);
    const QJsonObject connectPhase = probe.end();
    const double connectSeconds = double(phaseClock.elapsed()) / 1000.0;
    std::printf("connect    %d of %d clients in the table after %.1f s (child: %s)\n",
                model->rowCount(), clients, connectSeconds, childStatus.constData());
    print("connect", connectPhase);

    // Phase 2: events flow to every client; every counter changes on every snapshot.
    window.composer()->setDraft(QStringLiteral("bench"), QStringLiteral("tick"),
                                QStringLiteral("{\"n\":{{counter}},\"at\":{{epochms}}}"));
    const quint64 snapshotsBefore = model->snapshotsApplied();
    const quint64 rowsBefore = model->rowsChanged();
    phaseClock.restart();
    probe.begin();
    window.composer()->startRate(rate);
    waitUntil([] { return false; }, duration * 1000);
    const QJsonObject publishPhase = probe.end();
    const double publishSeconds = double(phaseClock.elapsed()) / 1000.0;
    window.composer()->stopRate();
    const double snapshotsPerSecond
        = double(model->snapshotsApplied() - snapshotsBefore) / publishSeconds;
    const double rowsPerSecond = double(model->rowsChanged() - rowsBefore) / publishSeconds;
    std::printf("publish    %.1f snapshots/s applied to the model, %.0f row updates/s (child: "
                "%s)\n",
                snapshotsPerSecond, rowsPerSecond, childStatus.constData());
    print("publish", publishPhase);

    // Phase 3: every client leaves at once.
    phaseClock.restart();
    probe.begin();
    child.closeWriteChannel();
    const bool allGone = waitUntil([&] { return model->rowCount() == 0; }, 60000);
    const QJsonObject leavePhase = probe.end();
    std::printf("leave      table empty after %.1f s\n", double(phaseClock.elapsed()) / 1000.0);
    print("leave", leavePhase);
    if (!child.waitForFinished(10000))
        child.kill();

    double worst = 0;
    for (const QJsonObject &phase : {connectPhase, publishPhase, leavePhase})
        worst = std::max(worst, phase.value(QStringLiteral("stall_max_ms")).toDouble());
    const bool ok = allConnected && allGone;
    const QJsonObject summary{{QStringLiteral("clients"), clients},
                              {QStringLiteral("rate"), rate},
                              {QStringLiteral("duration_s"), duration},
                              {QStringLiteral("sorted_by_events"), parser.isSet(sortOption)},
                              {QStringLiteral("all_connected"), allConnected},
                              {QStringLiteral("connect_s"), connectSeconds},
                              {QStringLiteral("connect"), connectPhase},
                              {QStringLiteral("publish"), publishPhase},
                              {QStringLiteral("leave"), leavePhase},
                              {QStringLiteral("snapshots_per_s"), snapshotsPerSecond},
                              {QStringLiteral("row_updates_per_s"), rowsPerSecond},
                              {QStringLiteral("stall_max_ms"), worst},
                              {QStringLiteral("target_16ms_met"), worst <= 16.0},
                              {QStringLiteral("ok"), ok}};
    std::printf("longest GUI-thread stall: %.1f ms (target: none over 16 ms: %s)\n", worst,
                worst <= 16.0 ? "met" : "NOT met");
    std::printf("%s\n", QJsonDocument(summary).toJson(QJsonDocument::Compact).constData());

    window.stopServer();
    waitUntil([&] { return window.host()->state() == Herald::NodeHost::State::Stopped; }, 10000);
    return ok ? 0 : 1;
}
