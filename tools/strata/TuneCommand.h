//===- TuneCommand.h - strata tune ----------------------------------------===//
#pragma once

/// `strata tune ...` (argv[1] == "tune"): a tuning sweep, or `strata tune merge`.
int commandTune(int argc, char **argv);
