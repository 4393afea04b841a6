// herald: the Server-Sent Events broadcaster, with its console window or headless.

#include "commandline.h"
#include "logging.h"
#include "mainwindow.h"
#include "node/node.h"
#include "scenariocommand.h"

#include <QApplication>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcApp, "herald.app", QtInfoMsg)

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int signal)
{
    const char byte = char(signal);
    [[maybe_unused]] ssize_t n = ::write(signalPipe[1], &byte, 1);
}

// SIGINT and SIGTERM quit the event loop through a self-pipe, so shutdown runs as ordinary code.
void installQuitOnSignals(QCoreApplication *app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, app);
    QObject::connect(notifier, &QSocketNotifier::activated, app, [app] {
        char byte;
        [[maybe_unused]] ssize_t n = ::read(signalPipe[0], &byte, 1);
        qCInfo(lcApp) << "signal" << int(byte) << "received; shutting down";
        app->quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

// Every stream client holds a descriptor, and the usual soft limit (1024) is far below what a
// broadcaster serves; the hard limit is what the administrator allows, so go up to it.
void raiseOpenFileLimit()
{
    rlimit limit = {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
        return;
    const rlim_t previous = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0)
        qCDebug(lcApp) << "open-file limit raised from" << previous << "to" << limit.rlim_cur;
}

int runHeadless(int argc, char **argv, const Herald::CommandLine &commandLine)
{
    QCoreApplication app(argc, argv);
    installQuitOnSignals(&app);

    Herald::Node node(commandLine.node);
    QString error;
    if (!node.start(&error)) {
        std::fprintf(stderr, "herald: %s\n", qPrintable(error));
        return 1;
    }
    // The URL goes to stdout on its own line, so that scripts (and --port 0 users) can read it.
    std::printf("herald %s serving on %s (stream at %sevents)\n", HERALD_VERSION,
                qPrintable(node.url().toString()), qPrintable(node.url().toString()));
    std::fflush(stdout);

    const int code = app.exec();
    node.stop();
    return code;
}

} // namespace

int main(int argc, char **argv)
{
    // Qt's GLib event loop slows badly with thousands of sockets; the plain one does not. It is
    // read when the application object is made, so set it first (unless the user chose).
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    std::signal(SIGPIPE, SIG_IGN);
    raiseOpenFileLimit();

    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    QCoreApplication::setApplicationName(QStringLiteral("herald"));
    QCoreApplication::setApplicationVersion(QStringLiteral(HERALD_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("Herald"));

    // herald scenario ...: the headless scenario runner (docs/scenarios.md).
    if (arguments.value(1) == QLatin1String("scenario")) {
        QCoreApplication app(argc, argv);
        return runScenarioCommand(arguments);
    }

    const Herald::CommandLine commandLine = Herald::CommandLine::parse(arguments);
    switch (commandLine.action) {
    case Herald::CommandLine::Action::Help:
    case Herald::CommandLine::Action::Version:
        std::fputs(qPrintable(commandLine.text), stdout);
        return 0;
    case Herald::CommandLine::Action::Error:
        std::fprintf(stderr, "herald: %s\nTry 'herald --help'.\n", qPrintable(commandLine.text));
        return 2;
    case Herald::CommandLine::Action::Run:
        break;
    }

    if (commandLine.headless)
        return runHeadless(argc, argv, commandLine);

    // The console window. Without a display Qt would abort with a message about platform
    // plugins; say what to do instead. Platforms that need none (offscreen, vnc, eglfs) are fine.
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    const bool platformNeedsDisplay
        = platform.isEmpty() || platform.startsWith("xcb") || platform.startsWith("wayland");
    if (platformNeedsDisplay && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        std::fprintf(stderr,
                     "herald: no display for the console window (DISPLAY and WAYLAND_DISPLAY are "
                     "not set).\nRun 'herald --headless' to serve without a window.\n");
        return 2;
    }

    QApplication app(argc, argv);
    // Matches the installed desktop entry, so window managers show its name and icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.herald.Herald"));
    installQuitOnSignals(&app);

    // The window remembers the last address and port used, unless the command line says.
    const auto given = [&arguments](const QString &option) {
        return std::any_of(arguments.cbegin(), arguments.cend(), [&option](const QString &a) {
            return a == option || a.startsWith(option + QLatin1Char('='));
        });
    };
    Herald::NodeConfig config = commandLine.node;
    Herald::MainWindow::applyRememberedServer(config, given(QStringLiteral("--port")),
                                              given(QStringLiteral("--bind")));
    Herald::MainWindow window(config);
    QObject::connect(window.host(), &Herald::NodeHost::started, &window, [](const QUrl &url) {
        std::printf("herald %s serving on %s (stream at %sevents)\n", HERALD_VERSION,
                    qPrintable(url.toString()), qPrintable(url.toString()));
        std::fflush(stdout);
    });

    // Screenshots for the documentation (docs/screenshots/take.sh): the window, then presenter
    // mode, some seconds after the server started, then a normal close.
    const QString windowShot = qEnvironmentVariable("HERALD_SCREENSHOT");
    const QString presenterShot = qEnvironmentVariable("HERALD_SCREENSHOT_PRESENTER");
    if (!windowShot.isEmpty() || !presenterShot.isEmpty()) {
        bool ok = false;
        int delayMs = qEnvironmentVariableIntValue("HERALD_SCREENSHOT_DELAY_MS", &ok);
        if (!ok)
            delayMs = 5000;
        const auto takeShots = [&window, windowShot, presenterShot] {
            if (!windowShot.isEmpty())
                window.saveScreenshot(windowShot);
            if (presenterShot.isEmpty()) {
                window.close();
                return;
            }
            window.setPresenterMode(true);
            QTimer::singleShot(3000, &window, [&window, presenterShot] {
                window.saveScreenshot(presenterShot);
                window.close();
            });
        };
        QObject::connect(
            window.host(), &Herald::NodeHost::started, &window,
            [&window, delayMs, takeShots] { QTimer::singleShot(delayMs, &window, takeShots); });
    }

    window.show();
    window.startServer();
    // Closing the window stops the server gracefully first; a signal quits at once, and the
    // window's host then closes the streams as it is destroyed.
    return app.exec();
}
