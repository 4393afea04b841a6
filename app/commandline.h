#pragma once

#include "node/node.h"

#include <QString>
#include <QStringList>

namespace Herald {

// What the command line asked for, checked: a node configuration and how to run it.
struct CommandLine
{
    enum class Action { Run, Help, Version, Error };
    Action action = Action::Run;
    bool headless = false;
    NodeConfig node;
    QString text; // help or version text, or the error message

    static CommandLine parse(const QStringList &arguments);
};

} // namespace Herald
