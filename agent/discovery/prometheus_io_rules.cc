#include "agent/discovery/prometheus_io_rules.h"

namespace agent::discovery {

std::vector<relabel::Rule> PrometheusIoDockerRules() {
  const std::string label = "__meta_docker_container_label_prometheus_io_";
  using relabel::Action;
  std::vector<relabel::Rule> rules(4);
  rules[0].action = Action::kKeep;
  rules[0].source_labels = {label + "scrape"};
  rules[0].regex = "true";
  rules[1].source_labels = {label + "path"};
  rules[1].regex = "(.+)";
  rules[1].target_label = "__metrics_path__";
  rules[2].source_labels = {label + "scheme"};
  rules[2].regex = "(https?)";
  rules[2].target_label = "__scheme__";
  // host[:port];newport -> host:newport. Lazy host, so that an IPv6 [host]:port keeps its brackets.
  rules[3].source_labels = {"__address__", label + "port"};
  rules[3].regex = R"((.+?)(?::\d+)?;(\d+))";
  rules[3].replacement = "$1:$2";
  rules[3].target_label = "__address__";
  return rules;
}

}  // namespace agent::discovery
