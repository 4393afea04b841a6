#pragma once

#include "node/nodehost.h"

#include <QMainWindow>

class QAction;
class QDockWidget;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace Herald {

class ClientsModel;
class ClientsProxyModel;
class Composer;
class EventLogModel;
class FaultPanel;
class NodesView;
class PresenterView;
class ServerBar;
class ThroughputChart;
class WireView;

// The console: the server bar, the live clients table, the composer, fault actions, the event
// log and raw wire view, charts, the relay/nodes view and presenter mode, over a NodeHost that
// runs the server on its own thread. Everything shown comes from the host's snapshots.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const NodeConfig &config, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The listen address and port remembered from the last run, unless the command line gave
    // them.
    static void applyRememberedServer(NodeConfig &config, bool portGiven, bool addressGiven);

    void startServer();
    void stopServer();

    bool isPresenterMode() const { return m_presenter; }
    void setPresenterMode(bool on);
    void setDarkTheme(bool dark);

    QList<quint64> selectedClientIds() const;
    // Grabs the window as it is into a PNG.
    bool saveScreenshot(const QString &path);

    NodeHost *host() const { return m_host; }
    ClientsModel *clientsModel() const { return m_clientsModel; }
    ClientsProxyModel *clientsProxy() const { return m_clientsProxy; }
    QTableView *clientsView() const { return m_clientsView; }
    EventLogModel *eventLogModel() const { return m_eventLog; }
    Composer *composer() const { return m_composer; }
    FaultPanel *faultPanel() const { return m_faultPanel; }
    class ScenarioPanel *scenarioPanel() const { return m_scenarioPanel; }
    ThroughputChart *chart() const { return m_chart; }
    WireView *wireView() const { return m_wireView; }
    NodesView *nodesView() const { return m_nodesView; }
    PresenterView *presenterView() const { return m_presenterView; }
    QAction *kickAction() const { return m_kickAction; }
    QAction *resetAction() const { return m_resetAction; }
    QAction *presenterAction() const { return m_presenterAction; }
    // Snapshots handled since the window was made (the console benchmark reads it).
    quint64 snapshotsHandled() const { return m_snapshotsHandled; }

Q_SIGNALS:
    void snapshotHandled(quint64 sequence);
    void presenterModeChanged(bool on);

protected:
    void showEvent(QShowEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildDocks();
    void buildStatusBar();
    void restoreSettings();
    void saveSettings();

    void onStarted(const QUrl &url);
    void onStartFailed(const QString &error);
    void onStopped();
    void onSnapshot(const NodeSnapshot &snapshot);
    void onSelectionChanged();
    void onFaultRequested(const Fault &fault);
    void onFaultApplied(const QJsonObject &record);
    void onCrowdedOrigins(const QStringList &origins);
    void onExportChart();
    void onExportSeries();
    void updateFaultLog(const QJsonArray &log);
    void updateStatus(const NodeSnapshot &snapshot);
    QDockWidget *addDock(const QString &title, const QString &name, QWidget *widget,
                         Qt::DockWidgetArea area);
    // The URL to give an audience: the demo page on an address other machines can reach.
    QUrl audienceUrl(QString *note) const;

    NodeHost *m_host;
    NodeConfig m_config;
    bool m_closeWhenStopped = false;
    bool m_defaultLayoutPending = false;
    bool m_presenter = false;
    bool m_dark = false;
    QByteArray m_stateBeforePresenter;
    bool m_maximizedBeforePresenter = false;
    quint64 m_snapshotsHandled = 0;
    qint64 m_lastFaultLogAt = -1;
    int m_lastFaultLogSize = -1;

    ServerBar *m_serverBar;
    QStackedWidget *m_stack;
    ClientsModel *m_clientsModel;
    ClientsProxyModel *m_clientsProxy;
    QTableView *m_clientsView;
    QLineEdit *m_clientsFilter;
    QLabel *m_originBanner;
    EventLogModel *m_eventLog;
    QSortFilterProxyModel *m_eventLogProxy;
    QTableView *m_eventLogView;
    Composer *m_composer;
    FaultPanel *m_faultPanel;
    class ScenarioPanel *m_scenarioPanel;
    QPlainTextEdit *m_faultLogView;
    ThroughputChart *m_chart;
    QDockWidget *m_chartDock = nullptr;
    WireView *m_wireView;
    NodesView *m_nodesView;
    PresenterView *m_presenterView;

    QAction *m_startStopAction = nullptr;
    QAction *m_copyUrlAction = nullptr;
    QAction *m_kickAction = nullptr;
    QAction *m_resetAction = nullptr;
    QAction *m_presenterAction = nullptr;
    QAction *m_darkAction = nullptr;
    QAction *m_exportPngAction = nullptr;
    QAction *m_exportCsvAction = nullptr;
    QMenu *m_viewMenu = nullptr;

    QLabel *m_statusState;
    QLabel *m_statusClients;
    QLabel *m_statusRates;
    QLabel *m_statusTotals;
};

} // namespace Herald
