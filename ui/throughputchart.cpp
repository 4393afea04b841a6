#include "throughputchart.h"

#include "uilogging.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFile>
#include <QGridLayout>
#include <QLineSeries>
#include <QPixmap>
#include <QSaveFile>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace Herald {

// One chart of the grid: up to two value axes over a shared time axis.
struct ChartPanel
{
    QChartView *view = nullptr;
    QChart *chart = nullptr;
    QDateTimeAxis *time = nullptr;
    QValueAxis *left = nullptr;
    QValueAxis *right = nullptr;
    QString title;
    struct Line
    {
        ThroughputChart::Series series;
        QLineSeries *line;
        bool onRight;
    };
    std::vector<Line> lines;
};

namespace {

double valueOf(const ThroughputChart::Sample &s, ThroughputChart::Series series)
{
    switch (series) {
    case ThroughputChart::Series::Events:
        return s.eventsPerSecond;
    case ThroughputChart::Series::Deliveries:
        return s.deliveriesPerSecond;
    case ThroughputChart::Series::Bytes:
        return s.bytesPerSecond / 1024.0; // shown in KiB/s
    case ThroughputChart::Series::Clients:
        return s.clients;
    case ThroughputChart::Series::LatencyMean:
        return s.latencyMeanMs;
    case ThroughputChart::Series::LatencyMax:
        return s.latencyMaxMs;
    }
    return 0;
}

bool isLatency(ThroughputChart::Series series)
{
    return series == ThroughputChart::Series::LatencyMean
        || series == ThroughputChart::Series::LatencyMax;
}

// A round upper bound for an axis, so labels read 0, 250, 500 rather than 0, 243.7, 487.4.
double niceCeiling(double value)
{
    if (value <= 0)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (value <= step * magnitude)
            return step * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

ThroughputChart::ThroughputChart(QWidget *parent)
    : QWidget(parent)
{
    struct LineSpec
    {
        Series series;
        QString name;
        bool onRight;
    };
    struct PanelSpec
    {
        QString title;
        QString leftLabel;
        QString rightLabel;
        std::vector<LineSpec> lines;
    };
    const std::vector<PanelSpec> specs = {
        {tr("Events and deliveries per second"),
         tr("events/s"),
         tr("deliveries/s"),
         {{Series::Events, tr("events/s"), false}, {Series::Deliveries, tr("deliveries/s"), true}}},
        {tr("Bytes sent per second"), tr("KiB/s"), {}, {{Series::Bytes, tr("KiB/s"), false}}},
        {tr("Connected clients"), tr("clients"), {}, {{Series::Clients, tr("clients"), false}}},
        {tr("Delivery latency"),
         tr("ms"),
         {},
         {{Series::LatencyMean, tr("mean latency ms"), false},
          {Series::LatencyMax, tr("max latency ms"), false}}},
    };

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(2);
    for (size_t i = 0; i < specs.size(); ++i) {
        const PanelSpec &spec = specs[i];
        auto *panel = new ChartPanel;
        panel->chart = new QChart;
        panel->title = spec.title;
        panel->chart->setTitle(spec.title);
        panel->chart->setMargins(QMargins(2, 2, 2, 2));
        panel->chart->legend()->setAlignment(Qt::AlignBottom);

        panel->time = new QDateTimeAxis;
        panel->time->setFormat(QStringLiteral("HH:mm:ss"));
        panel->time->setTickCount(4);
        panel->chart->addAxis(panel->time, Qt::AlignBottom);
        panel->left = new QValueAxis;
        panel->left->setTitleText(spec.leftLabel);
        panel->left->setLabelFormat(QStringLiteral("%g"));
        panel->left->setRange(0, 1);
        panel->chart->addAxis(panel->left, Qt::AlignLeft);
        if (!spec.rightLabel.isEmpty()) {
            panel->right = new QValueAxis;
            panel->right->setTitleText(spec.rightLabel);
            panel->right->setLabelFormat(QStringLiteral("%g"));
            panel->right->setRange(0, 1);
            panel->chart->addAxis(panel->right, Qt::AlignRight);
        }
        for (const LineSpec &lineSpec : spec.lines) {
            auto *line = new QLineSeries;
            line->setName(lineSpec.name);
            panel->chart->addSeries(line);
            line->attachAxis(panel->time);
            line->attachAxis(lineSpec.onRight ? panel->right : panel->left);
            panel->lines.push_back({lineSpec.series, line, lineSpec.onRight});
        }

        panel->view = new QChartView(panel->chart, this);
        panel->view->setObjectName(QStringLiteral("chartView%1").arg(i));
        panel->view->setRenderHint(QPainter::Antialiasing, true);
        panel->view->setMinimumSize(110, 70);
        grid->addWidget(panel->view, int(i / 2), int(i % 2));
        m_panels.push_back(panel);
    }
    m_dirty.assign(m_panels.size(), false);
    applyStyle();
    refreshAll();
}

ThroughputChart::~ThroughputChart()
{
    // The views own their charts and the charts their series; only the bookkeeping is ours.
    for (ChartPanel *panel : m_panels)
        delete panel;
}

void ThroughputChart::setWindowSeconds(int seconds)
{
    m_windowSeconds = std::max(10, seconds);
    refreshAll();
}

void ThroughputChart::addCounters(qint64 atMs, quint64 events, quint64 deliveries, quint64 bytes,
                                  int clients)
{
    const bool wentBack = m_haveBase
        && (events < m_baseEvents || deliveries < m_baseDeliveries || bytes < m_baseBytes);
    if (!m_haveBase || wentBack || atMs < m_baseAtMs) {
        m_haveBase = true;
        m_baseAtMs = atMs;
        m_baseEvents = events;
        m_baseDeliveries = deliveries;
        m_baseBytes = bytes;
        refreshNextPanel();
        return;
    }
    const qint64 elapsedMs = atMs - m_baseAtMs;
    if (elapsedMs < 1000) {
        refreshNextPanel();
        return;
    }

    const double seconds = double(elapsedMs) / 1000.0;
    Sample sample;
    sample.atMs = atMs;
    sample.eventsPerSecond = double(events - m_baseEvents) / seconds;
    sample.deliveriesPerSecond = double(deliveries - m_baseDeliveries) / seconds;
    sample.bytesPerSecond = double(bytes - m_baseBytes) / seconds;
    sample.clients = clients;
    if (m_latencyCount > 0) {
        sample.latencySamples = m_latencyCount;
        sample.latencyMeanMs = m_latencySum / m_latencyCount;
        sample.latencyMaxMs = m_latencyMax;
    }
    m_latencyCount = 0;
    m_latencySum = 0;
    m_latencyMax = 0;
    m_baseAtMs = atMs;
    m_baseEvents = events;
    m_baseDeliveries = deliveries;
    m_baseBytes = bytes;
    addSample(sample);
    refreshNextPanel();
}

void ThroughputChart::addLatencySample(qint64 atMs, double milliseconds)
{
    Q_UNUSED(atMs)
    ++m_latencyCount;
    m_latencySum += milliseconds;
    m_latencyMax = std::max(m_latencyMax, milliseconds);
}

void ThroughputChart::clear()
{
    m_samples.clear();
    m_haveBase = false;
    m_latencyCount = 0;
    m_latencySum = 0;
    m_latencyMax = 0;
    refreshAll();
}

void ThroughputChart::addSample(const Sample &sample)
{
    m_samples.push_back(sample);
    const qint64 oldest = sample.atMs - qint64(m_windowSeconds) * 1000;
    while (!m_samples.empty() && m_samples.front().atMs < oldest)
        m_samples.pop_front();
    std::fill(m_dirty.begin(), m_dirty.end(), true);
}

void ThroughputChart::refreshNextPanel()
{
    // One panel per call: redrawing all four charts in the same event-loop pass would hold the
    // GUI thread several milliseconds at once; spread over the snapshot ticks, each chart still
    // moves once a second.
    for (size_t tried = 0; tried < m_panels.size(); ++tried) {
        const size_t i = m_nextPanel;
        m_nextPanel = (m_nextPanel + 1) % m_panels.size();
        if (m_dirty[i]) {
            refreshPanel(i);
            return;
        }
    }
}

void ThroughputChart::refreshAll()
{
    for (size_t i = 0; i < m_panels.size(); ++i)
        refreshPanel(i);
}

void ThroughputChart::refreshPanel(size_t i)
{
    ChartPanel *panel = m_panels[i];
    m_dirty[i] = false;
    const qint64 now
        = m_samples.empty() ? QDateTime::currentMSecsSinceEpoch() : m_samples.back().atMs;
    const QDateTime end = QDateTime::fromMSecsSinceEpoch(now);
    panel->time->setRange(end.addSecs(-m_windowSeconds), end);

    double leftMax = 0;
    double rightMax = 0;
    for (const ChartPanel::Line &line : panel->lines) {
        QList<QPointF> points;
        points.reserve(qsizetype(m_samples.size()));
        for (const Sample &s : m_samples) {
            // A latency line only has the seconds that had samples.
            if (isLatency(line.series) && s.latencySamples == 0)
                continue;
            const double value = valueOf(s, line.series);
            points.append(QPointF(double(s.atMs), value));
            double &max = line.onRight ? rightMax : leftMax;
            max = std::max(max, value);
        }
        // One replace is one change signal, where appending and removing would be two a second.
        line.line->replace(points);
    }
    const double leftTop = niceCeiling(leftMax * 1.05);
    if (panel->left->max() != leftTop)
        panel->left->setRange(0, leftTop);
    if (panel->right) {
        const double rightTop = niceCeiling(rightMax * 1.05);
        if (panel->right->max() != rightTop)
            panel->right->setRange(0, rightTop);
    }
}

int ThroughputChart::pointCount(Series series) const
{
    for (const ChartPanel *panel : m_panels) {
        for (const ChartPanel::Line &line : panel->lines) {
            if (line.series == series)
                return int(line.line->count());
        }
    }
    return 0;
}

bool ThroughputChart::exportPng(const QString &path, QString *error)
{
    refreshAll();
    const QPixmap pixmap = grab();
    if (pixmap.isNull() || !pixmap.save(path, "PNG")) {
        if (error)
            *error = tr("cannot write %1").arg(path);
        qCWarning(lcUi) << "chart export to" << path << "failed";
        return false;
    }
    qCInfo(lcUi) << "chart written to" << path;
    return true;
}

bool ThroughputChart::exportCsv(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = file.errorString();
        qCWarning(lcUi) << "series export to" << path << "failed:" << file.errorString();
        return false;
    }
    QByteArray out = "time_utc,time_ms,events_per_s,deliveries_per_s,bytes_per_s,clients,"
                     "latency_samples,latency_mean_ms,latency_max_ms\n";
    for (const Sample &s : m_samples) {
        out += QDateTime::fromMSecsSinceEpoch(s.atMs, Qt::UTC).toString(Qt::ISODateWithMs).toUtf8();
        out += ',' + QByteArray::number(s.atMs);
        out += ',' + QByteArray::number(s.eventsPerSecond, 'f', 2);
        out += ',' + QByteArray::number(s.deliveriesPerSecond, 'f', 2);
        out += ',' + QByteArray::number(s.bytesPerSecond, 'f', 0);
        out += ',' + QByteArray::number(s.clients);
        out += ',' + QByteArray::number(s.latencySamples);
        // Empty rather than 0 when nothing was measured: 0 ms would be a claim.
        out += ',';
        if (s.latencySamples)
            out += QByteArray::number(s.latencyMeanMs, 'f', 3);
        out += ',';
        if (s.latencySamples)
            out += QByteArray::number(s.latencyMaxMs, 'f', 3);
        out += '\n';
    }
    file.write(out);
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    qCInfo(lcUi) << "series written to" << path;
    return true;
}

void ThroughputChart::setPresenterStyle(bool presenter)
{
    m_presenter = presenter;
    applyStyle();
}

void ThroughputChart::setDark(bool dark)
{
    m_dark = dark;
    applyStyle();
}

void ThroughputChart::applyStyle()
{
    const bool dark = m_dark || m_presenter;
    for (size_t i = 0; i < m_panels.size(); ++i) {
        ChartPanel *panel = m_panels[i];
        // An audience reads two charts from the back of a room, not four: event rates and
        // clients stay (the left column), bytes and latency wait for the console.
        panel->view->setVisible(!m_presenter || i % 2 == 0);
        // Few ticks: in the console the panels are small, and labels that do not fit are
        // elided to "…"; presenter mode has room for more.
        panel->time->setTickCount(3);
        panel->left->setTickCount(m_presenter ? 5 : 3);
        if (panel->right)
            panel->right->setTickCount(m_presenter ? 5 : 3);
        // setTheme resets fonts and pens, so it goes first.
        panel->chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
        QFont title = font();
        title.setBold(true);
        title.setPointSizeF(title.pointSizeF() * (m_presenter ? 1.8 : 0.9));
        panel->chart->setTitleFont(title);
        QFont labels = font();
        labels.setPointSizeF(labels.pointSizeF() * (m_presenter ? 1.4 : 0.8));
        panel->chart->legend()->setFont(labels);
        for (QAbstractAxis *axis : panel->chart->axes()) {
            axis->setLabelsFont(labels);
            axis->setTitleFont(labels);
            // Small console panels have no room for axis titles; the legend and chart title
            // name the lines there.
            axis->setTitleVisible(m_presenter);
        }
        for (const ChartPanel::Line &line : panel->lines) {
            QPen pen = line.line->pen();
            pen.setWidthF(m_presenter ? 4 : 2);
            line.line->setPen(pen);
        }
        if (m_presenter)
            panel->chart->setBackgroundBrush(QColor(Qt::black));

        // A legend takes a row the small console panels do not have: there the title names the
        // lines in their colours instead (chart titles are rich text).
        const bool legend = m_presenter && panel->lines.size() > 1;
        panel->chart->legend()->setVisible(legend);
        if (legend || panel->lines.size() < 2) {
            panel->chart->setTitle(panel->title);
            continue;
        }
        QStringList names;
        for (const ChartPanel::Line &line : panel->lines) {
            names.append(QStringLiteral("<span style=\"color:%1\">%2</span>")
                             .arg(line.line->color().name(), line.line->name().toHtmlEscaped()));
        }
        panel->chart->setTitle(names.join(QStringLiteral(" &middot; ")));
    }
}

} // namespace Herald
