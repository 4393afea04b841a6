// herald: the Server-Sent Events broadcaster, with its console window or headless.

#include "commandline.h"
#include "logging.h"
#include "node/node.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>

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

    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    QCoreApplication::setApplicationName(QStringLiteral("herald"));
    QCoreApplication::setApplicationVersion(QStringLiteral(HERALD_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("Herald"));

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

    std::fprintf(stderr, "herald: this build has no console window yet; run 'herald --headless'\n");
    return 2;
}
