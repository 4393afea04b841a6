#pragma once

#include <QWidget>

#include <deque>
#include <vector>

namespace Herald {

struct ChartPanel;

// The live charts: events and deliveries per second, bytes per second, connected clients and
// delivery latency over a rolling window. This is the one widget that knows Qt Charts, so that
// moving to Qt Graphs later touches this file only.
//
// Rates come from counter deltas between snapshots, one point per second. Latency samples come
// from whoever measures them (virtual clients) through addLatencySample(); each second's mean and
// maximum make one point.
class ThroughputChart : public QWidget
{
    Q_OBJECT

public:
    enum class Series { Events, Deliveries, Bytes, Clients, LatencyMean, LatencyMax };

    struct Sample
    {
        qint64 atMs = 0;
        double eventsPerSecond = 0;
        double deliveriesPerSecond = 0;
        double bytesPerSecond = 0;
        int clients = 0;
        int latencySamples = 0; // 0: no latency point this second
        double latencyMeanMs = 0;
        double latencyMaxMs = 0;
    };

    explicit ThroughputChart(QWidget *parent = nullptr);
    ~ThroughputChart() override;

    // Seconds of history kept and shown.
    void setWindowSeconds(int seconds);
    int windowSeconds() const { return m_windowSeconds; }

    // Totals as of atMs (wall clock). Counters that go down (a new node) start a new baseline.
    void addCounters(qint64 atMs, quint64 events, quint64 deliveries, quint64 bytes, int clients);
    // One delivery's latency; GUI thread. Shown from the next second's point on.
    void addLatencySample(qint64 atMs, double milliseconds);
    void clear();

    int pointCount(Series series) const;
    const std::deque<Sample> &samples() const { return m_samples; }

    // Both return false with a reason in *error; no dialogs, so tests and scripts can call them.
    bool exportPng(const QString &path, QString *error = nullptr);
    bool exportCsv(const QString &path, QString *error = nullptr) const;

    // Large fonts and high contrast, for presenter mode; or the dark theme in normal mode.
    void setPresenterStyle(bool presenter);
    void setDark(bool dark);

private:
    void addSample(const Sample &sample);
    void refreshNextPanel();
    void refreshAll();
    void refreshPanel(size_t index);
    void applyStyle();

    std::vector<ChartPanel *> m_panels;
    std::vector<bool> m_dirty; // panels whose series lag behind m_samples
    size_t m_nextPanel = 0;
    std::deque<Sample> m_samples;
    int m_windowSeconds = 300;
    bool m_presenter = false;
    bool m_dark = false;

    // The second being accumulated.
    bool m_haveBase = false;
    qint64 m_baseAtMs = 0;
    quint64 m_baseEvents = 0;
    quint64 m_baseDeliveries = 0;
    quint64 m_baseBytes = 0;
    int m_latencyCount = 0;
    double m_latencySum = 0;
    double m_latencyMax = 0;
};

} // namespace Herald
