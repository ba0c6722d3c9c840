// fleetctl: kubectl-like CLI for vpsfleet.
#include "fleetctl/commands.h"

int main(int argc, char** argv) { return fleetctl::Main(argc, argv); }
