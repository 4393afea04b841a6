#include "benchoptions.h"

#include <cmath>

namespace Herald::Bench {

namespace {

bool toNumber(const QString &text, double min, double max, double *out)
{
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || !std::isfinite(value) || value < min || value > max)
        return false;
    *out = value;
    return true;
}

} // namespace

QString BenchOptions::usage()
{
    return QStringLiteral(
        "Usage: herald-bench (--url http://127.0.0.1:PORT [--server-pid PID] | --spawn HERALD)\n"
        "                    [options] [-- SERVER_ARGS...]\n"
        "\n"
        "Opens N Server-Sent Events subscribers on loopback, publishes at a steady rate through\n"
        "POST /publish, and reports deliveries, losses, duplicates, latency and the server's\n"
        "CPU and memory: one JSON line, then a short table.\n"
        "\n"
        "Server:\n"
        "  --url URL              a running server (Herald or any server of the same API);\n"
        "                         only 127.0.0.0/8, localhost and [::1] are accepted\n"
        "  --server-pid PID       its process, for CPU and RSS (without it they are not measured)\n"
        "  --publish-url URL      publish to this server instead (another node of a relayed\n"
        "                         deployment: the latency then includes the relay)\n"
        "  --spawn PATH           run PATH --headless --port 0 [SERVER_ARGS], measure, stop it\n"
        "  -- SERVER_ARGS         everything after -- goes to the spawned server\n"
        "\n"
        "Load:\n"
        "  --clients N            subscribers (default 1000, at most 100000)\n"
        "  --rate R               events published per second (default 100)\n"
        "  --duration S           measured publishing time, seconds (default 10, at most 600)\n"
        "  --warmup S             publish this long first, not measured (default 0)\n"
        "  --payload BYTES        data bytes per event (default 100; at least the ~35-byte stamp)\n"
        "  --topic NAME           topic to subscribe and publish to (default bench)\n"
        "  --idle                 connect the clients, publish nothing, report RSS per client\n"
        "\n"
        "Pacing and limits:\n"
        "  --connect-rate R       new connections per second (default 2000)\n"
        "  --connect-concurrency N  handshakes in flight at once (default 128)\n"
        "  --connect-timeout S    for every client to get its stream head (default 60)\n"
        "  --drain-timeout S      after the last publish, for the last deliveries (default 10)\n"
        "  --settle S             --idle: wait before reading the RSS (default 1)\n"
        "  --publish-connections N  keep-alive publish connections at most (default 4)\n"
        "\n"
        "Output:\n"
        "  --json-only            print the JSON line only, no table and no progress\n"
        "  --help                 this text\n"
        "\n"
        "Exit status: 0 when every client connected, every publish was accepted and nothing was\n"
        "lost or duplicated; 1 otherwise; 2 for a bad command line; 3 when the run could not\n"
        "start. The bench raises its own open-files limit to the hard limit; a server started\n"
        "by hand needs 'ulimit -n' raised in its shell (N clients need N + a few descriptors).\n");
}

BenchOptions BenchOptions::parse(const QStringList &arguments)
{
    BenchOptions options;
    auto fail = [&options](const QString &message) {
        options.action = Action::Error;
        options.error = message;
        return options;
    };

    for (int i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == QLatin1String("--")) {
            options.serverArguments = arguments.mid(i + 1);
            break;
        }
        if (arg == QLatin1String("--help") || arg == QLatin1String("-h")) {
            options.action = Action::Help;
            return options;
        }
        if (arg == QLatin1String("--idle")) {
            options.idle = true;
            continue;
        }
        if (arg == QLatin1String("--json-only")) {
            options.jsonOnly = true;
            continue;
        }

        // Every other option takes a value, as "--name value" or "--name=value".
        QString name = arg;
        QString value;
        const qsizetype equals = arg.indexOf(QLatin1Char('='));
        if (arg.startsWith(QLatin1String("--")) && equals > 0) {
            name = arg.left(equals);
            value = arg.mid(equals + 1);
        } else if (i + 1 < arguments.size()) {
            value = arguments.at(++i);
        } else {
            return fail(QStringLiteral("%1 needs a value").arg(arg));
        }

        double number = 0;
        auto numberIn = [&](double min, double max) {
            if (!toNumber(value, min, max, &number)) {
                fail(QStringLiteral("%1: %2 is not a number from %3 to %4")
                         .arg(name, value)
                         .arg(min)
                         .arg(max));
                return false;
            }
            return true;
        };

        if (name == QLatin1String("--url")) {
            options.url = value;
        } else if (name == QLatin1String("--publish-url")) {
            options.publishUrl = value;
        } else if (name == QLatin1String("--server-pid")) {
            if (!numberIn(1, 1e9))
                return options;
            options.serverPid = qint64(number);
        } else if (name == QLatin1String("--spawn")) {
            options.spawnPath = value;
        } else if (name == QLatin1String("--clients")) {
            if (!numberIn(1, MaxClients))
                return options;
            options.clients = int(number);
        } else if (name == QLatin1String("--rate")) {
            if (!numberIn(0.1, MaxRate))
                return options;
            options.rate = number;
        } else if (name == QLatin1String("--duration")) {
            if (!numberIn(0, MaxDurationS))
                return options;
            options.durationS = number;
        } else if (name == QLatin1String("--warmup")) {
            if (!numberIn(0, MaxDurationS))
                return options;
            options.warmupS = number;
        } else if (name == QLatin1String("--payload")) {
            if (!numberIn(1, MaxPayload))
                return options;
            options.payload = int(number);
        } else if (name == QLatin1String("--topic")) {
            options.topic = value;
        } else if (name == QLatin1String("--connect-rate")) {
            if (!numberIn(1, 1e6))
                return options;
            options.connectRate = number;
        } else if (name == QLatin1String("--connect-concurrency")) {
            if (!numberIn(1, 10000))
                return options;
            options.connectConcurrency = int(number);
        } else if (name == QLatin1String("--connect-timeout")) {
            if (!numberIn(1, MaxDurationS))
                return options;
            options.connectTimeoutS = number;
        } else if (name == QLatin1String("--drain-timeout")) {
            if (!numberIn(0.1, 120))
                return options;
            options.drainTimeoutS = number;
        } else if (name == QLatin1String("--settle")) {
            if (!numberIn(0, 60))
                return options;
            options.settleS = number;
        } else if (name == QLatin1String("--publish-connections")) {
            if (!numberIn(1, 64))
                return options;
            options.publishConnections = int(number);
        } else {
            return fail(QStringLiteral("unknown option %1").arg(arg));
        }
    }

    if (options.url.isEmpty() == options.spawnPath.isEmpty())
        return fail(QStringLiteral("give either --url or --spawn"));
    if (!options.spawnPath.isEmpty() && options.serverPid)
        return fail(QStringLiteral("--server-pid goes with --url; --spawn knows its child"));
    if (!options.serverArguments.isEmpty() && options.spawnPath.isEmpty())
        return fail(QStringLiteral("server arguments after -- need --spawn"));
    if (options.rate * (options.warmupS + options.durationS) > MaxEvents)
        return fail(QStringLiteral("rate * (warmup + duration) is over %1 events").arg(MaxEvents));
    // Topic names as Herald takes them; also keeps the query string and JSON free of escapes.
    static const QString allowed = QStringLiteral("_-.:/");
    if (options.topic.isEmpty() || options.topic.size() > 128)
        return fail(QStringLiteral("--topic must be 1 to 128 characters"));
    for (const QChar c : options.topic) {
        if (c.unicode() > 127 || !(c.isLetterOrNumber() || allowed.contains(c)))
            return fail(QStringLiteral("--topic may use letters, digits and _-.:/ only"));
    }
    return options;
}

} // namespace Herald::Bench
