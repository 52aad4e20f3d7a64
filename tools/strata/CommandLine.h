//===- CommandLine.h - the strata driver's commands and their options -----===//
//
// One table says what each command does and which options it takes, with their
// help: `strata help` prints the overview, `strata CMD --help` that command's
// options only, and an option a command does not take is an error naming it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

namespace strata::cli {

/// Every command with a line each, and where to read more (strata help, strata --help).
std::string overview();

/// One command's help: its usage line, what it does and its options; "" for no such command.
std::string commandHelp(const std::string &command);

/// Whether `command` is a command of the driver (tune and help included).
bool isCommand(const std::string &command);

/// The commands, comma-separated, for messages.
std::string commandList();

/// "" when `command` takes `flag` (every command takes --help); otherwise the error message,
/// naming the flag and where to read the command's options.
std::string checkOption(const std::string &command, const std::string &flag);

/// "strata 0.9.0" and the LLVM and MLIR it was built with.
std::string versionText();

} // namespace strata::cli
