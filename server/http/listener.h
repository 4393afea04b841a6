#pragma once

#include "http/connectionguard.h"

#include <QTcpServer>

namespace Herald {

// A QTcpServer that puts a ConnectionGuard on every connection before QAbstractHttpServer sees
// it, and can stop taking new connections while open ones go on.
class Listener : public QTcpServer
{
    Q_OBJECT

public:
    Listener(const ConnectionLimits &limits, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    ConnectionLimits m_limits;
    bool m_acceptFailing = false; // logged once until a connection is accepted again
};

} // namespace Herald
