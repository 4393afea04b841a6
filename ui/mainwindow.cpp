#include "mainwindow.h"

#include "scenariopanel.h"

#include "clientsmodel.h"
#include "clientsproxymodel.h"
#include "composer.h"
#include "eventlogmodel.h"
#include "faultpanel.h"
#include "nodesview.h"
#include "presenterview.h"
#include "serverbar.h"
#include "throughputchart.h"
#include "uilogging.h"
#include "wireview.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QNetworkInterface>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTableView>
#include <QToolBar>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace Herald {

namespace {

const QString GeometryKey = QStringLiteral("window/geometry");
const QString StateKey = QStringLiteral("window/state");
const QString DarkKey = QStringLiteral("view/dark");
const QString PortKey = QStringLiteral("server/port");
const QString AddressKey = QStringLiteral("server/address");

// Bumped when the dock layout changes, so an old saved state is not forced onto a new layout.
constexpr int LayoutVersion = 1;

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x7e, 0xd8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6a, 0xb0, 0xff));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    return p;
}

void makeTableQuick(QTableView *view)
{
    // Fixed row heights: the view never measures rows, which keeps 10,000 of them cheap.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    view->setWordWrap(false);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
}

} // namespace

MainWindow::MainWindow(const NodeConfig &config, QWidget *parent)
    : QMainWindow(parent)
    , m_host(new NodeHost(this))
    , m_config(config)
    , m_serverBar(new ServerBar(this))
    , m_stack(new QStackedWidget(this))
    , m_clientsModel(new ClientsModel(this))
    , m_clientsProxy(new ClientsProxyModel(this))
    , m_clientsView(new QTableView(this))
    , m_clientsFilter(new QLineEdit(this))
    , m_originBanner(new QLabel(this))
    , m_eventLog(new EventLogModel(this))
    , m_eventLogProxy(new QSortFilterProxyModel(this))
    , m_eventLogView(new QTableView(this))
    , m_composer(new Composer(this))
    , m_faultPanel(new FaultPanel(this))
    , m_scenarioPanel(new ScenarioPanel(this))
    , m_faultLogView(new QPlainTextEdit(this))
    , m_chart(new ThroughputChart(this))
    , m_wireView(new WireView(this))
    , m_nodesView(new NodesView(this))
    , m_presenterView(new PresenterView(this))
    , m_statusState(new QLabel(this))
    , m_statusClients(new QLabel(this))
    , m_statusRates(new QLabel(this))
    , m_statusTotals(new QLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Herald"));
    setDockNestingEnabled(true);

    // The clients table, the central piece.
    m_clientsProxy->setClientsModel(m_clientsModel);
    m_clientsView->setObjectName(QStringLiteral("clientsView"));
    m_clientsView->setModel(m_clientsProxy);
    makeTableQuick(m_clientsView);
    m_clientsView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_clientsView->setSortingEnabled(true);
    m_clientsView->sortByColumn(ClientsModel::IdColumn, Qt::AscendingOrder);
    m_clientsView->setContextMenuPolicy(Qt::ActionsContextMenu);
    const QList<QPair<int, int>> widths
        = {{ClientsModel::IdColumn, 60},         {ClientsModel::NodeColumn, 110},
           {ClientsModel::RemoteColumn, 130},    {ClientsModel::UserAgentColumn, 160},
           {ClientsModel::OriginColumn, 140},    {ClientsModel::TopicsColumn, 110},
           {ClientsModel::ConnectedColumn, 80},  {ClientsModel::LastEventIdColumn, 90},
           {ClientsModel::EventsSentColumn, 70}, {ClientsModel::BytesSentColumn, 80},
           {ClientsModel::QueuedBytesColumn, 70}};
    for (const auto &[column, width] : widths)
        m_clientsView->setColumnWidth(column, width);

    m_clientsFilter->setObjectName(QStringLiteral("clientsFilter"));
    m_clientsFilter->setPlaceholderText(tr("Filter clients by id, address, user agent, origin, "
                                           "topic or node"));
    m_clientsFilter->setClearButtonEnabled(true);
    m_originBanner->setObjectName(QStringLiteral("originBanner"));
    m_originBanner->setWordWrap(true);
    m_originBanner->setStyleSheet(QStringLiteral(
        "background: #fff3cd; color: #664d03; border: 1px solid #ffe69c; padding: 4px;"));
    m_originBanner->hide();

    auto *clientsPage = new QWidget(this);
    auto *clientsLayout = new QVBoxLayout(clientsPage);
    clientsLayout->setContentsMargins(4, 4, 4, 0);
    clientsLayout->addWidget(m_clientsFilter);
    clientsLayout->addWidget(m_originBanner);
    clientsLayout->addWidget(m_clientsView, 1);
    m_stack->addWidget(clientsPage);
    // Presenter mode fills the screen; its large type must not set the console's minimum size.
    m_presenterView->setMinimumSize(1, 1);
    m_stack->addWidget(m_presenterView);
    setCentralWidget(m_stack);

    auto *serverToolBar = addToolBar(tr("Server"));
    serverToolBar->setObjectName(QStringLiteral("serverToolBar"));
    serverToolBar->setMovable(false);
    serverToolBar->addWidget(m_serverBar);
    m_serverBar->setAddress(config.bindAddress);
    m_serverBar->setPort(config.port);

    // The event log.
    m_eventLogProxy->setSourceModel(m_eventLog);
    m_eventLogProxy->setFilterKeyColumn(-1);
    m_eventLogProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_eventLogView->setObjectName(QStringLiteral("eventLogView"));
    m_eventLogView->setModel(m_eventLogProxy);
    makeTableQuick(m_eventLogView);
    m_eventLogView->setColumnWidth(EventLogModel::IdColumn, 70);
    m_eventLogView->setColumnWidth(EventLogModel::TimeColumn, 100);
    m_eventLogView->setColumnWidth(EventLogModel::TopicColumn, 100);
    m_eventLogView->setColumnWidth(EventLogModel::TypeColumn, 90);
    m_eventLogView->setColumnWidth(EventLogModel::DataColumn, 360);

    m_faultLogView->setObjectName(QStringLiteral("faultLog"));
    m_faultLogView->setReadOnly(true);
    m_faultLogView->setMaximumBlockCount(1000);
    m_faultLogView->setPlaceholderText(
        tr("Faults applied (from the window, the API or scenarios)"));

    buildDocks();
    buildActions();
    buildStatusBar();

    m_composer->setHost(m_host);
    connect(m_host, &NodeHost::started, this, &MainWindow::onStarted);
    connect(m_host, &NodeHost::startFailed, this, &MainWindow::onStartFailed);
    connect(m_host, &NodeHost::stopped, this, &MainWindow::onStopped);
    connect(m_host, &NodeHost::snapshotTaken, this, &MainWindow::onSnapshot);
    connect(m_host, &NodeHost::faultApplied, this, &MainWindow::onFaultApplied);
    connect(m_host, &NodeHost::faultFailed, this, [this](const QString &error) {
        statusBar()->showMessage(tr("Fault not applied: %1").arg(error), 8000);
    });
    connect(m_serverBar, &ServerBar::startRequested, this, &MainWindow::startServer);
    connect(m_serverBar, &ServerBar::stopRequested, this, &MainWindow::stopServer);
    connect(m_serverBar, &ServerBar::urlCopied, this, [this](const QString &url) {
        statusBar()->showMessage(tr("Copied %1").arg(url), 4000);
    });
    connect(m_composer, &Composer::statusMessage, this,
            [this](const QString &message) { statusBar()->showMessage(message, 6000); });
    connect(m_faultPanel, &FaultPanel::faultRequested, this, &MainWindow::onFaultRequested);
    connect(m_clientsModel, &ClientsModel::crowdedOriginsChanged, this,
            &MainWindow::onCrowdedOrigins);
    connect(m_clientsFilter, &QLineEdit::textChanged, m_clientsProxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_clientsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_clientsView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onSelectionChanged);
    connect(m_presenterView, &PresenterView::exitRequested, this,
            [this] { setPresenterMode(false); });
    connect(m_eventLog, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        QScrollBar *bar = m_eventLogView->verticalScrollBar();
        if (bar->value() < bar->maximum())
            return;
        // Following the newest events: stay at the bottom once the rows are in.
        QMetaObject::invokeMethod(m_eventLogView, &QTableView::scrollToBottom,
                                  Qt::QueuedConnection);
    });

    restoreSettings();
    // A quit by signal (SIGINT/SIGTERM) skips closeEvent; the settings are kept all the same.
    connect(qApp, &QCoreApplication::aboutToQuit, this, &MainWindow::saveSettings);
}

MainWindow::~MainWindow()
{
    // The chart may be lent to the presenter view; give it back so it is deleted once.
    if (m_presenter)
        m_chartDock->setWidget(m_presenterView->takeChart());
}

void MainWindow::applyRememberedServer(NodeConfig &config, bool portGiven, bool addressGiven)
{
    const QSettings settings;
    if (!portGiven && settings.contains(PortKey))
        config.port = quint16(settings.value(PortKey).toUInt());
    if (!addressGiven && settings.contains(AddressKey)) {
        const QHostAddress address(settings.value(AddressKey).toString());
        if (!address.isNull())
            config.bindAddress = address;
    }
}

QDockWidget *MainWindow::addDock(const QString &title, const QString &name, QWidget *widget,
                                 Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::buildDocks()
{
    auto *faults = new QWidget(this);
    auto *faultsLayout = new QVBoxLayout(faults);
    faultsLayout->setContentsMargins(0, 0, 0, 0);
    faultsLayout->addWidget(m_faultPanel);
    faultsLayout->addWidget(new QLabel(tr("Fault log"), faults));
    faultsLayout->addWidget(m_faultLogView, 1);

    auto *events = new QWidget(this);
    auto *eventsLayout = new QVBoxLayout(events);
    eventsLayout->setContentsMargins(0, 0, 0, 0);
    auto *eventsFilter = new QLineEdit(events);
    eventsFilter->setObjectName(QStringLiteral("eventLogFilter"));
    eventsFilter->setPlaceholderText(tr("Filter events"));
    eventsFilter->setClearButtonEnabled(true);
    connect(eventsFilter, &QLineEdit::textChanged, m_eventLogProxy,
            &QSortFilterProxyModel::setFilterFixedString);
    eventsLayout->addWidget(eventsFilter);
    eventsLayout->addWidget(m_eventLogView, 1);

    // Right: the composer (tabbed with the faults) over the charts. Bottom: the event log,
    // tabbed with the wire and relay views, the whole width. Split before tabifying: a dock
    // split off a tabbed one would become another tab.
    QDockWidget *composer = addDock(tr("Composer"), QStringLiteral("composerDock"), m_composer,
                                    Qt::RightDockWidgetArea);
    m_chartDock
        = addDock(tr("Charts"), QStringLiteral("chartDock"), m_chart, Qt::RightDockWidgetArea);
    splitDockWidget(composer, m_chartDock, Qt::Vertical);
    QDockWidget *eventsDock
        = addDock(tr("Events"), QStringLiteral("eventsDock"), events, Qt::BottomDockWidgetArea);
    // The bottom docks span the width; the right ones stop above them.
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    resizeDocks({composer}, {560}, Qt::Horizontal);

    // Scrolled: tabbed with the composer, the fault buttons would otherwise set the minimum
    // height of both.
    auto *faultsScroll = new QScrollArea(this);
    faultsScroll->setWidget(faults);
    faultsScroll->setWidgetResizable(true);
    faultsScroll->setFrameShape(QFrame::NoFrame);
    QDockWidget *faultsDock = addDock(tr("Faults"), QStringLiteral("faultsDock"), faultsScroll,
                                      Qt::RightDockWidgetArea);
    tabifyDockWidget(composer, faultsDock);
    QDockWidget *scenariosDock = addDock(tr("Scenarios"), QStringLiteral("scenariosDock"),
                                         m_scenarioPanel, Qt::RightDockWidgetArea);
    tabifyDockWidget(composer, scenariosDock);
    composer->raise();
    QDockWidget *wireDock
        = addDock(tr("Wire"), QStringLiteral("wireDock"), m_wireView, Qt::BottomDockWidgetArea);
    QDockWidget *nodesDock = addDock(tr("Relay / nodes"), QStringLiteral("nodesDock"), m_nodesView,
                                     Qt::BottomDockWidgetArea);
    tabifyDockWidget(eventsDock, wireDock);
    tabifyDockWidget(eventsDock, nodesDock);
    eventsDock->raise();
}

void MainWindow::buildActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    m_exportPngAction
        = file->addAction(tr("Export chart as &PNG…"), this, &MainWindow::onExportChart);
    m_exportCsvAction
        = file->addAction(tr("Export series as &CSV…"), this, &MainWindow::onExportSeries);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *server = menuBar()->addMenu(tr("&Server"));
    m_startStopAction = server->addAction(tr("&Start"), this, [this] {
        if (m_host->state() == NodeHost::State::Stopped)
            startServer();
        else
            stopServer();
    });
    m_startStopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_copyUrlAction = server->addAction(tr("&Copy URL"), this, [this] {
        if (!m_host->url().isEmpty())
            QGuiApplication::clipboard()->setText(m_host->url().toString());
    });
    m_copyUrlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));

    QMenu *clients = menuBar()->addMenu(tr("&Clients"));
    m_kickAction = clients->addAction(tr("&Kick (clean close)"), this, [this] {
        onFaultRequested(m_faultPanel->fault(Fault::Kind::Close));
    });
    m_kickAction->setObjectName(QStringLiteral("kickAction"));
    m_kickAction->setShortcut(QKeySequence::Delete);
    m_resetAction = clients->addAction(tr("&Reset (RST)"), this, [this] {
        onFaultRequested(m_faultPanel->fault(Fault::Kind::Reset));
    });
    m_resetAction->setObjectName(QStringLiteral("resetAction"));
    m_resetAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Delete));
    for (QAction *action : {m_kickAction, m_resetAction}) {
        // Keys act on the table only, so Delete in the composer still deletes text.
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        action->setEnabled(false);
        m_clientsView->addAction(action);
    }
    clients->addSeparator();
    clients->addAction(tr("Select &all"), m_clientsView, &QTableView::selectAll);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_presenterAction = m_viewMenu->addAction(tr("&Presenter mode"));
    m_presenterAction->setObjectName(QStringLiteral("presenterAction"));
    m_presenterAction->setCheckable(true);
    m_presenterAction->setShortcuts(
        {QKeySequence(Qt::Key_F11), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)});
    // On the window too: the menu bar is hidden in presenter mode, its shortcuts must still work.
    addAction(m_presenterAction);
    connect(m_presenterAction, &QAction::toggled, this, &MainWindow::setPresenterMode);
    m_darkAction = m_viewMenu->addAction(tr("&Dark theme"));
    m_darkAction->setCheckable(true);
    connect(m_darkAction, &QAction::toggled, this, &MainWindow::setDarkTheme);
    m_viewMenu->addSeparator();
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        m_viewMenu->addAction(dock->toggleViewAction());
}

void MainWindow::buildStatusBar()
{
    for (QLabel *label : {m_statusClients, m_statusRates, m_statusTotals, m_statusState})
        statusBar()->addPermanentWidget(label);
    m_statusState->setText(tr("stopped"));
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    if (settings.contains(GeometryKey))
        restoreGeometry(settings.value(GeometryKey).toByteArray());
    else
        resize(1280, 800);
    m_defaultLayoutPending = !settings.contains(StateKey)
        || !restoreState(settings.value(StateKey).toByteArray(), LayoutVersion);
    if (settings.value(DarkKey, false).toBool())
        m_darkAction->setChecked(true);
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(GeometryKey, saveGeometry());
    settings.setValue(StateKey, m_presenter ? m_stateBeforePresenter : saveState(LayoutVersion));
    settings.setValue(DarkKey, m_dark);
    settings.setValue(PortKey, m_serverBar->port());
    settings.setValue(AddressKey, m_serverBar->address().toString());
}

void MainWindow::startServer()
{
    if (m_host->state() != NodeHost::State::Stopped)
        return;
    const QHostAddress address = m_serverBar->address();
    if (address.isNull()) {
        m_serverBar->setError(tr("not an address"));
        return;
    }
    NodeConfig config = m_config;
    config.bindAddress = address;
    config.port = m_serverBar->port();
    m_host->start(config);
    m_serverBar->setState(NodeHost::State::Starting, {});
    m_statusState->setText(tr("starting"));
}

void MainWindow::stopServer()
{
    if (m_host->state() == NodeHost::State::Stopped || m_host->state() == NodeHost::State::Stopping)
        return;
    m_host->stop();
    m_serverBar->setState(NodeHost::State::Stopping, {});
    m_statusState->setText(tr("stopping"));
}

void MainWindow::onStarted(const QUrl &url)
{
    qCInfo(lcUi).noquote() << "server running at" << url.toString();
    // A new node numbers events from 1 again (without a relay).
    m_eventLog->clear();
    m_serverBar->setState(m_host->state(), url);
    // Scenarios run against this server, so their traffic shows in the charts and tables.
    m_scenarioPanel->setServerUrl(url);
    m_startStopAction->setText(tr("&Stop"));
    m_statusState->setText(tr("running"));
    if (m_presenter) {
        QString note;
        m_presenterView->setAudienceUrl(audienceUrl(&note), note);
    }
}

void MainWindow::onStartFailed(const QString &error)
{
    qCWarning(lcUi).noquote() << "server did not start:" << error;
    m_serverBar->setState(NodeHost::State::Stopped, {});
    m_serverBar->setError(error);
    m_statusState->setText(tr("stopped"));
    statusBar()->showMessage(error, 15000);
}

void MainWindow::onStopped()
{
    qCInfo(lcUi) << "server stopped";
    m_serverBar->setState(NodeHost::State::Stopped, {});
    m_scenarioPanel->setServerUrl({}); // until it runs again, scenarios bring their own server
    m_startStopAction->setText(tr("&Start"));
    m_statusState->setText(tr("stopped"));
    if (m_closeWhenStopped)
        close();
}

void MainWindow::onSnapshot(const NodeSnapshot &snapshot)
{
    ++m_snapshotsHandled;
    m_clientsModel->applySnapshot(snapshot.clients);
    m_eventLog->addEvents(snapshot.lastEvents);
    if (snapshot.running) {
        const BroadcastMetrics &m = snapshot.metrics;
        m_chart->addCounters(snapshot.takenAtMs, m.eventsPublished, m.deliveries, m.bytesSent,
                             m.clients);
    }
    // Laying out the wire text is the costliest view here; only when someone can see it.
    if (m_wireView->isVisible())
        m_wireView->setTap(snapshot.tappedClient, snapshot.tapped);
    if (m_nodesView->isVisible() || snapshot.sequence % 4 == 0)
        m_nodesView->setRelay(snapshot.relayStatus, snapshot.nodes);
    m_serverBar->setRelaySummary(m_nodesView->summary());
    updateFaultLog(snapshot.faultLog);
    updateStatus(snapshot);
    if (m_presenter) {
        m_presenterView->setEvents(snapshot.lastEvents);
        const double rate
            = m_chart->samples().empty() ? 0 : m_chart->samples().back().eventsPerSecond;
        m_presenterView->setStats(snapshot.metrics.clients, rate, snapshot.metrics.lastEventId);
    }
    Q_EMIT snapshotHandled(snapshot.sequence);
}

void MainWindow::updateStatus(const NodeSnapshot &snapshot)
{
    const QLocale locale;
    const BroadcastMetrics &m = snapshot.metrics;
    m_statusClients->setText(tr("%1 clients").arg(locale.toString(m.clients)));
    if (!m_chart->samples().empty()) {
        const ThroughputChart::Sample &s = m_chart->samples().back();
        m_statusRates->setText(
            tr("%1 events/s · %2 deliveries/s · %3/s")
                .arg(locale.toString(s.eventsPerSecond, 'f', 1))
                .arg(locale.toString(s.deliveriesPerSecond, 'f', 0))
                .arg(locale.formattedDataSize(qint64(s.bytesPerSecond), 1,
                                              QLocale::DataSizeTraditionalFormat)));
    }
    QString totals = tr("last id %1 · %2 published · %3 drops")
                         .arg(m.lastEventId)
                         .arg(locale.toString(qulonglong(m.eventsPublished)))
                         .arg(locale.toString(qulonglong(m.drops)));
    if (snapshot.pendingRefusals > 0)
        totals += tr(" · refusing %1 more").arg(snapshot.pendingRefusals);
    m_statusTotals->setText(totals);
}

void MainWindow::updateFaultLog(const QJsonArray &log)
{
    // The log is bounded and only grows between trims; its size and newest time tell if it moved.
    const qint64 newest = log.isEmpty()
        ? 0
        : qint64(log.last().toObject().value(QStringLiteral("atMs")).toDouble());
    if (int(log.size()) == m_lastFaultLogSize && newest == m_lastFaultLogAt)
        return;
    m_lastFaultLogSize = int(log.size());
    m_lastFaultLogAt = newest;
    QStringList lines;
    for (const QJsonValue &value : log) {
        QJsonObject record = value.toObject();
        const QString at = QDateTime::fromMSecsSinceEpoch(
                               qint64(record.value(QStringLiteral("atMs")).toDouble()))
                               .toString(QStringLiteral("HH:mm:ss.zzz"));
        const QString kind = record.value(QStringLiteral("fault")).toString();
        record.remove(QStringLiteral("at"));
        record.remove(QStringLiteral("atMs"));
        record.remove(QStringLiteral("fault"));
        lines.append(at + QStringLiteral("  ") + kind + QStringLiteral("  ")
                     + QString::fromUtf8(QJsonDocument(record).toJson(QJsonDocument::Compact)));
    }
    m_faultLogView->setPlainText(lines.join(QLatin1Char('\n')));
    m_faultLogView->verticalScrollBar()->setValue(m_faultLogView->verticalScrollBar()->maximum());
}

QList<quint64> MainWindow::selectedClientIds() const
{
    QList<quint64> ids;
    const QModelIndexList rows = m_clientsView->selectionModel()->selectedRows();
    ids.reserve(rows.size());
    for (const QModelIndex &index : rows) {
        const quint64 id = m_clientsModel->clientId(m_clientsProxy->mapToSource(index).row());
        if (id)
            ids.append(id);
    }
    return ids;
}

void MainWindow::onSelectionChanged()
{
    const QList<quint64> ids = selectedClientIds();
    // The wire view follows the current row when it is selected, else the first selected one.
    quint64 tapped = 0;
    const QModelIndex current = m_clientsView->selectionModel()->currentIndex();
    if (current.isValid()
        && m_clientsView->selectionModel()->isRowSelected(current.row(), current.parent())) {
        tapped = m_clientsModel->clientId(m_clientsProxy->mapToSource(current).row());
    } else if (!ids.isEmpty()) {
        tapped = ids.first();
    }
    m_host->tapClient(tapped);
    m_composer->setSelectedClient(tapped);
    m_kickAction->setEnabled(!ids.isEmpty());
    m_resetAction->setEnabled(!ids.isEmpty());
}

void MainWindow::onFaultRequested(const Fault &requested)
{
    Fault fault = requested;
    if (fault.isClientFault() && !fault.allClients) {
        fault.clients = selectedClientIds();
        if (fault.clients.isEmpty()) {
            statusBar()->showMessage(
                tr("Select clients in the table first, or apply the fault to all clients."), 6000);
            return;
        }
    }
    m_host->applyFault(fault);
}

void MainWindow::onFaultApplied(const QJsonObject &record)
{
    statusBar()->showMessage(
        tr("%1 applied to %n stream(s)", nullptr, record.value(QStringLiteral("applied")).toInt())
            .arg(record.value(QStringLiteral("fault")).toString()),
        6000);
}

void MainWindow::onCrowdedOrigins(const QStringList &origins)
{
    if (origins.isEmpty()) {
        m_originBanner->hide();
        return;
    }
    const QString text
        = tr("More than %1 streams from one browser origin: %2. Browsers on HTTP/1.1 open at "
             "most 6 connections per host, so those pages cannot load anything else. Use one "
             "stream with several topics, or HTTP/2 in front of Herald.")
              .arg(ClientsModel::OriginStreamLimit)
              .arg(origins.join(QStringLiteral(", ")));
    m_originBanner->setText(text);
    m_originBanner->show();
    statusBar()->showMessage(text, 10000);
    qCInfo(lcUi).noquote() << "crowded origins:" << origins.join(QStringLiteral(", "));
}

void MainWindow::onExportChart()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export chart"), QStringLiteral("herald-chart.png"), tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!m_chart->exportPng(path, &error))
        QMessageBox::warning(this, tr("Export chart"), error);
    else
        statusBar()->showMessage(tr("Chart written to %1").arg(path), 6000);
}

void MainWindow::onExportSeries()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export series"), QStringLiteral("herald-series.csv"), tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!m_chart->exportCsv(path, &error))
        QMessageBox::warning(this, tr("Export series"), error);
    else
        statusBar()->showMessage(tr("Series written to %1").arg(path), 6000);
}

QUrl MainWindow::audienceUrl(QString *note) const
{
    QUrl url = m_host->url();
    if (url.isEmpty()) {
        *note = tr("The server is not running.");
        return url;
    }
    note->clear();
    const QHostAddress bound = m_host->config().bindAddress;
    if (bound == QHostAddress::Any || bound == QHostAddress::AnyIPv4
        || bound == QHostAddress::AnyIPv6) {
        // Listening everywhere: give the audience this machine's first LAN address.
        QHostAddress lan;
        for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
            if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback()) {
                lan = address;
                break;
            }
        }
        if (lan.isNull())
            *note = tr("No network address found: only this computer can open it.");
        else
            url.setHost(lan.toString());
    } else if (bound.isLoopback()) {
        *note = tr("Listening on %1 only: the audience cannot reach it. "
                   "Listen on 0.0.0.0 (--bind 0.0.0.0) to share it.")
                    .arg(bound.toString());
    }
    const QString topic = m_composer->topic();
    if (!topic.isEmpty() && topic != QLatin1String("default")) {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("topic"), topic);
        url.setQuery(query);
    }
    return url;
}

void MainWindow::setPresenterMode(bool on)
{
    if (on == m_presenter)
        return;
    m_presenter = on;
    if (on) {
        m_stateBeforePresenter = saveState(LayoutVersion);
        m_maximizedBeforePresenter = isMaximized();
        for (QDockWidget *dock : findChildren<QDockWidget *>())
            dock->hide();
        for (QToolBar *bar : findChildren<QToolBar *>())
            bar->hide();
        menuBar()->hide();
        statusBar()->hide();
        m_presenterView->setChart(m_chart);
        m_chart->setPresenterStyle(true);
        QString note;
        m_presenterView->setAudienceUrl(audienceUrl(&note), note);
        m_stack->setCurrentWidget(m_presenterView);
        showFullScreen();
        m_presenterView->setFocus();
    } else {
        m_chartDock->setWidget(m_presenterView->takeChart());
        m_chart->setPresenterStyle(false);
        m_stack->setCurrentIndex(0);
        menuBar()->show();
        statusBar()->show();
        restoreState(m_stateBeforePresenter, LayoutVersion);
        if (m_maximizedBeforePresenter)
            showMaximized();
        else
            showNormal();
    }
    m_presenterAction->setChecked(on);
    qCInfo(lcUi) << "presenter mode" << (on ? "on" : "off");
    Q_EMIT presenterModeChanged(on);
}

void MainWindow::setDarkTheme(bool dark)
{
    if (dark == m_dark)
        return;
    m_dark = dark;
    // Fusion follows the palette everywhere; native styles ignore parts of it.
    static bool fusion = false;
    if (!fusion) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        fusion = true;
    }
    QApplication::setPalette(dark ? darkPalette() : QApplication::style()->standardPalette());
    m_chart->setDark(dark);
    m_darkAction->setChecked(dark);
}

bool MainWindow::saveScreenshot(const QString &path)
{
    const bool ok = grab().save(path, "PNG");
    if (ok)
        qCInfo(lcUi) << "screenshot written to" << path;
    else
        qCWarning(lcUi) << "cannot write screenshot" << path;
    return ok;
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (!m_defaultLayoutPending)
        return;
    // Without a saved layout: a compact event log, so the charts get the height. Dock sizes
    // only take once the window is laid out at its real size, hence queued.
    m_defaultLayoutPending = false;
    QMetaObject::invokeMethod(
        this,
        [this] {
            resizeDocks({findChild<QDockWidget *>(QStringLiteral("eventsDock"))}, {height() / 5},
                        Qt::Vertical);
        },
        Qt::QueuedConnection);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_presenter)
        setPresenterMode(false);
    switch (m_host->state()) {
    case NodeHost::State::Running:
    case NodeHost::State::Starting:
        // Close the streams cleanly (clients reconnect elsewhere) without blocking the window;
        // it closes for real when the host says it stopped.
        saveSettings();
        m_closeWhenStopped = true;
        stopServer();
        event->ignore();
        return;
    case NodeHost::State::Stopping:
        m_closeWhenStopped = true;
        event->ignore();
        return;
    case NodeHost::State::Stopped:
        break;
    }
    saveSettings();
    event->accept();
}

} // namespace Herald
