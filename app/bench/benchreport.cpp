#include "benchreport.h"

#include <algorithm>
#include <cmath>

namespace Herald::Bench {

namespace {

// An ordered JSON object on one line: keys keep the order they were added in.
class JsonLine
{
public:
    void number(const char *key, double value, int decimals = 0)
    {
        if (!std::isfinite(value) || value < 0) {
            raw(key, "null");
            return;
        }
        raw(key, QByteArray::number(value, 'f', decimals));
    }
    void integer(const char *key, qint64 value)
    {
        raw(key, value < 0 ? QByteArray("null") : QByteArray::number(value));
    }
    void boolean(const char *key, bool value) { raw(key, value ? "true" : "false"); }
    void string(const char *key, const QString &value) { raw(key, quoted(value)); }
    void counts(const char *key, const QMap<QString, int> &map)
    {
        QByteArray out = "{";
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (out.size() > 1)
                out += ',';
            out += quoted(it.key()) + ':' + QByteArray::number(it.value());
        }
        raw(key, out + '}');
    }
    QByteArray text() const { return m_text + '}'; }

private:
    void raw(const char *key, const QByteArray &value)
    {
        m_text += (m_text.size() > 1 ? ",\"" : "\"") + QByteArray(key) + "\":" + value;
    }
    static QByteArray quoted(const QString &value)
    {
        QByteArray out = "\"";
        for (const char c : value.toUtf8()) {
            if (c == '"' || c == '\\')
                out += '\\' + QByteArray(1, c);
            else if (uchar(c) < 0x20)
                out += "\\u00" + QByteArray::number(uchar(c), 16).rightJustified(2, '0');
            else
                out += c;
        }
        return out + '"';
    }

    QByteArray m_text = "{";
};

QByteArray fixed(double value, int decimals)
{
    return QByteArray::number(value, 'f', decimals);
}

QByteArray micros(double us)
{
    return us >= 1000 ? fixed(us / 1000, 2) + " ms" : fixed(us, 0) + " us";
}

QByteArray mebibytes(qint64 kb)
{
    return kb < 0 ? QByteArray("n/a") : fixed(double(kb) / 1024, 1) + " MiB";
}

QByteArray percentOfCore(double cpuS, double wallS)
{
    return wallS > 0 ? fixed(100 * cpuS / wallS, 1) + "% of a core" : QByteArray("n/a");
}

} // namespace

bool BenchReport::clean() const
{
    return !interrupted && connectFailed == 0 && connected == clients && disconnected == 0
        && publishFailed == 0 && lost == 0 && duplicated == 0;
}

QByteArray BenchReport::json() const
{
    JsonLine j;
    j.string("bench", QStringLiteral("herald-bench " HERALD_VERSION));
    j.string("mode", idle ? QStringLiteral("idle") : QStringLiteral("publish"));
    j.string("url", url);
    j.string("server", server);
    j.integer("server_pid", serverPid > 0 ? serverPid : -1);
    j.string("topic", topic);
    j.integer("clients", clients);
    j.integer("clients_connected", connected);
    j.integer("connect_failed", connectFailed);
    j.number("connect_s", connectS, 2);
    j.integer("disconnected", disconnected);
    j.number("rate", rate, 1);
    j.number("duration_s", durationS, 1);
    j.number("warmup_s", warmupS, 1);
    j.integer("payload_bytes", payload);
    j.integer("published", published);
    j.integer("accepted", accepted);
    j.integer("publish_failed", publishFailed);
    j.integer("publish_max_backlog", publishMaxBacklog);
    j.integer("publish_connections", publishConnections);
    j.integer("deliveries_expected", qint64(expected));
    j.integer("deliveries_received", qint64(received));
    j.integer("lost", qint64(lost));
    j.integer("duplicated", qint64(duplicated));
    j.integer("unacknowledged", qint64(unacknowledged));
    j.integer("foreign", qint64(foreign));
    j.integer("comments", qint64(comments));
    j.number("deliveries_per_s", deliveriesPerS, 0);
    j.integer("latency_samples", qint64(latencySamples));
    j.number("latency_p50_us", latencyP50Us, 1);
    j.number("latency_p90_us", latencyP90Us, 1);
    j.number("latency_p99_us", latencyP99Us, 1);
    j.number("latency_max_us", latencyMaxUs, 1);
    j.number("latency_mean_us", latencyMeanUs, 1);
    j.number("window_s", windowS, 3);
    j.integer("window_deliveries", qint64(windowDeliveries));
    j.number("server_cpu_s", serverCpuS, 3);
    j.number("server_cpu_percent", serverCpuS >= 0 && windowS > 0 ? 100 * serverCpuS / windowS : -1,
             1);
    j.number("server_cpu_us_per_delivery", serverCpuUsPerDelivery, 3);
    j.integer("server_rss_kb", serverRssKb);
    j.integer("server_rss_peak_kb", serverRssPeakKb);
    j.integer("server_vmhwm_kb", serverHwmKb);
    j.integer("server_threads", serverThreads);
    if (idle) {
        j.integer("server_rss_before_kb", serverRssBeforeKb);
        j.integer("server_rss_after_kb", serverRssAfterKb);
        j.number("rss_per_client_bytes", rssPerClientBytes, 0);
    }
    j.number("bench_cpu_s", benchCpuS, 3);
    j.number("bench_cpu_percent", windowS > 0 ? 100 * benchCpuS / windowS : -1, 1);
    j.number("bench_cpu_us_per_delivery", benchCpuUsPerDelivery, 3);
    j.integer("bench_rss_kb", benchRssKb);
    j.number("machine_cpu_s", machineCpuS, 3);
    j.number("softirqd_cpu_s", softirqThreadsCpuS, 3);
    // CPU used by neither the server, the bench nor ksoftirqd: other work on a shared machine.
    j.number("others_cpu_percent",
             machineCpuS >= 0 && serverCpuS >= 0 && windowS > 0 ? std::max(
                 0.0,
                 100 * (machineCpuS - serverCpuS - benchCpuS - std::max(0.0, softirqThreadsCpuS))
                     / windowS)
                                                                : -1,
             1);
    j.counts("client_failures", clientFailures);
    j.counts("publish_failures", publishFailures);
    j.boolean("interrupted", interrupted);
    j.boolean("ok", clean());
    return j.text();
}

QByteArray BenchReport::table() const
{
    QByteArray out;
    auto row = [&out](const char *name, const QByteArray &value) {
        out += "  " + QByteArray(name).leftJustified(18, ' ') + value + '\n';
    };
    out += "herald-bench: " + QByteArray::number(clients) + " clients";
    if (idle)
        out += ", idle for " + fixed(durationS, 1) + " s";
    else
        out += ", " + fixed(rate, rate < 10 ? 1 : 0) + " events/s for " + fixed(durationS, 1)
            + " s, " + QByteArray::number(payload) + "-byte payload";
    out += ", server " + url.toUtf8()
        + (serverPid > 0 ? " (pid " + QByteArray::number(serverPid) + ", " + server.toUtf8() + ")"
                         : QByteArray(" (no pid: CPU and RSS not measured)"))
        + '\n';

    row("clients",
        QByteArray::number(connected) + " of " + QByteArray::number(clients) + " connected in "
            + fixed(connectS, 2) + " s"
            + (disconnected ? ", " + QByteArray::number(disconnected) + " dropped later"
                            : QByteArray()));
    for (auto it = clientFailures.cbegin(); it != clientFailures.cend(); ++it)
        row("  failure", QByteArray::number(it.value()) + " x " + it.key().toUtf8());
    if (idle) {
        row("server RSS",
            mebibytes(serverRssBeforeKb) + " before, " + mebibytes(serverRssAfterKb)
                + " with the clients");
        row("RSS per client",
            rssPerClientBytes >= 0 ? fixed(rssPerClientBytes, 0) + " bytes" : QByteArray("n/a"));
        row("server CPU idle",
            serverCpuS >= 0 ? percentOfCore(serverCpuS, windowS) : QByteArray("n/a"));
        row("heartbeats", QByteArray::number(comments) + " comments received");
        return out;
    }
    row("published",
        QByteArray::number(accepted) + " accepted of " + QByteArray::number(published) + ", "
            + QByteArray::number(publishFailed) + " failed (max backlog "
            + QByteArray::number(publishMaxBacklog) + ")");
    for (auto it = publishFailures.cbegin(); it != publishFailures.cend(); ++it)
        row("  failure", QByteArray::number(it.value()) + " x " + it.key().toUtf8());
    row("deliveries",
        QByteArray::number(expected) + " expected, " + QByteArray::number(received) + " received, "
            + QByteArray::number(lost) + " lost, " + QByteArray::number(duplicated)
            + " duplicated");
    row("deliveries/s", fixed(deliveriesPerS, 0));
    row("latency",
        "p50 " + micros(latencyP50Us) + ", p90 " + micros(latencyP90Us) + ", p99 "
            + micros(latencyP99Us) + ", max " + micros(latencyMaxUs));
    row("server CPU",
        serverCpuS >= 0 ? percentOfCore(serverCpuS, windowS) + ", "
                + fixed(serverCpuUsPerDelivery, 2) + " us per delivery"
                        : QByteArray("n/a"));
    row("server RSS", mebibytes(serverRssKb) + " at end, " + mebibytes(serverRssPeakKb) + " peak");
    row("bench CPU",
        percentOfCore(benchCpuS, windowS)
            + (benchCpuUsPerDelivery >= 0
                   ? ", " + fixed(benchCpuUsPerDelivery, 2) + " us per delivery"
                   : QByteArray()));
    return out;
}

} // namespace Herald::Bench
