// fleetctl's command line: every command, its flags and help, and its exit code.
//   0 success; 1 error (diff: 1 = differences found, 2 = error), like kubectl; rollout status:
//   0 completed, 1 failed or rolled back, 2 timed out, 3 paused.
#pragma once

namespace fleetctl {

int Main(int argc, char** argv);

}  // namespace fleetctl
