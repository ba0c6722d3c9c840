// The scrape manager with a fake discoverer, a fake fetch and a recording sink: targets start,
// stop (with stale markers) and keep their state across rediscovery by their final label set;
// failures reach the target's status component and the agent's per-job failure counter.
#include "agent/scrape/scrape_manager.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace agent::scrape {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;

// The targets the test wants discovered now, or an error.
class FakeDiscoverer : public Discoverer {
 public:
  struct State {
    std::mutex mu;
    std::vector<DiscoveredTarget> targets;
    std::string error;
  };
  explicit FakeDiscoverer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  fleet::Result<std::vector<DiscoveredTarget>> Discover() override {
    std::lock_guard lock(state_->mu);
    if (!state_->error.empty()) return fleet::Status::Unavailable(state_->error);
    return state_->targets;
  }

 private:
  std::shared_ptr<State> state_;
};

// Every sample the sink got, as "name{labels}" -> the values in arrival order.
class RecordingSink {
 public:
  void Take(const std::vector<Family>& families, int64_t timestamp_ms) {
    std::lock_guard lock(mu_);
    EXPECT_GT(timestamp_ms, 0);
    for (const auto& f : families) {
      for (const auto& s : f.samples) {
        Labels labels = s.labels;
        std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        std::string key = f.name + s.suffix + "{";
        for (const auto& l : labels) key += l.name + "=" + l.value + ",";
        values_[key + "}"].push_back(s.value);
      }
    }
    cv_.notify_all();
  }
  // Waits (at most 10s) until `key` has at least n values; returns them.
  std::vector<double> WaitFor(const std::string& key, size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return values_[key].size() >= n; });
    return values_[key];
  }
  std::vector<double> Values(const std::string& key) {
    std::lock_guard lock(mu_);
    return values_[key];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<double>> values_;
};

FetchedBody FetchError(fleet::Status error) {
  FetchedBody fetched;
  fetched.error = std::move(error);
  return fetched;
}

struct Fixture {
  std::shared_ptr<FakeDiscoverer::State> discovered = std::make_shared<FakeDiscoverer::State>();
  RecordingSink sink;
  std::mutex fetch_mu;
  std::map<std::string, FetchedBody> bodies;  // by URL; a URL not here is refused
  status::Registry registry;
  std::shared_ptr<ScrapeMetrics> metrics = std::make_shared<ScrapeMetrics>();

  ScrapeManagerOptions Options() {
    ScrapeManagerOptions o;
    ScrapeConfig config;
    config.job_name = "app";
    config.scrape_interval = config.scrape_timeout = std::chrono::milliseconds(50);
    o.configs = {config};
    o.sink = [this](const std::vector<Family>& f, int64_t ts) { sink.Take(f, ts); };
    o.fetch = [this](const ScrapeConfig&, const ScrapeTarget& target) {
      std::lock_guard lock(fetch_mu);
      auto it = bodies.find(target.url);
      if (it == bodies.end()) return FetchError(fleet::Status::Unavailable("connection refused"));
      return it->second;
    };
    o.discoverer = [this](const ScrapeConfig&) { return std::make_unique<FakeDiscoverer>(discovered); };
    o.registry = &registry;
    o.metrics = metrics;
    return o;
  }
  void Discover(std::vector<std::string> addresses) {
    std::lock_guard lock(discovered->mu);
    discovered->targets.clear();
    for (auto& a : addresses) discovered->targets.push_back({{"__address__", a}});
  }
  void Serve(const std::string& address, const std::string& body) {
    std::lock_guard lock(fetch_mu);
    bodies["http://" + address + "/metrics"] = FetchedBody{fleet::Status::Ok(), 200, "text/plain; version=0.0.4", body, 0};
  }
};

std::string Key(const std::string& name, const std::string& instance) {
  return name + "{instance=" + instance + ",job=app,}";
}

TEST(ScrapeManager, RediscoveryStartsNewTargetsStopsGoneOnesAndKeepsUnchangedOnes) {
  Fixture f;
  f.Serve("a:1", "requests_total 1\n");
  f.Serve("b:1", "requests_total 2\n");
  f.Serve("c:1", "requests_total 3\n");
  f.Discover({"a:1", "b:1"});
  ScrapeManager manager(f.Options());
  manager.Refresh();
  EXPECT_EQ(manager.ComponentNames(), (std::vector<std::string>{"scrape/app/a:1", "scrape/app/b:1"}));
  EXPECT_EQ(f.sink.WaitFor(Key("requests_total", "a:1"), 2).at(0), 1);
  EXPECT_EQ(f.sink.WaitFor(Key("requests_total", "b:1"), 2).at(0), 2);
  EXPECT_EQ(f.sink.WaitFor(Key("up", "a:1"), 2).at(0), 1);
  EXPECT_EQ(f.sink.Values(Key("scrape_series_added", "a:1")).at(0), 1);

  f.Discover({"a:1", "c:1"});
  manager.Refresh();
  EXPECT_EQ(manager.ComponentNames(), (std::vector<std::string>{"scrape/app/a:1", "scrape/app/c:1"}));
  std::vector<std::string> registered;
  for (const auto& c : f.registry.Components()) registered.push_back(c->name());
  EXPECT_EQ(registered, (std::vector<std::string>{"scrape/app/a:1", "scrape/app/c:1"}))
      << "a gone target leaves the status page without a reload";
  // b is gone: its series and its up end with stale markers, at once (Refresh joined its loop).
  ASSERT_FALSE(f.sink.Values(Key("requests_total", "b:1")).empty());
  EXPECT_TRUE(IsStaleNaN(f.sink.Values(Key("requests_total", "b:1")).back()));
  EXPECT_TRUE(IsStaleNaN(f.sink.Values(Key("up", "b:1")).back()));
  EXPECT_EQ(f.sink.WaitFor(Key("requests_total", "c:1"), 1).at(0), 3);
  // a kept its loop and state: none of its later scrapes added a series.
  const size_t before = f.sink.Values(Key("scrape_series_added", "a:1")).size();
  const auto added = f.sink.WaitFor(Key("scrape_series_added", "a:1"), before + 2);
  for (size_t i = 1; i < added.size(); ++i) EXPECT_EQ(added[i], 0) << "scrape " << i;
  for (double v : f.sink.Values(Key("requests_total", "a:1"))) EXPECT_FALSE(IsStaleNaN(v));

  manager.Stop();
  EXPECT_TRUE(IsStaleNaN(f.sink.Values(Key("requests_total", "a:1")).back()));
  EXPECT_TRUE(IsStaleNaN(f.sink.Values(Key("up", "c:1")).back()));
}

TEST(ScrapeManager, ADiscoveryErrorKeepsTheLastTargets) {
  Fixture f;
  f.Serve("a:1", "x 1\n");
  f.Discover({"a:1"});
  ScrapeManager manager(f.Options());
  manager.Refresh();
  {
    std::lock_guard lock(f.discovered->mu);
    f.discovered->error = "docker: socket gone";
  }
  manager.Refresh();
  EXPECT_EQ(manager.ComponentNames(), (std::vector<std::string>{"scrape/app/a:1"}));
  EXPECT_TRUE(f.sink.Values(Key("up", "a:1")).empty() || !IsStaleNaN(f.sink.Values(Key("up", "a:1")).back()));
}

TEST(ScrapeManager, AFailedScrapeIsTheTargetsErrorAndCountedByKind) {
  const struct {
    const char* name;
    std::optional<FetchedBody> fetched;  // nullopt: refused
    const char* want_kind;
    const char* want_error_prefix;
  } cases[] = {
      {"refused", std::nullopt, "fetch", "fetch: connection refused"},
      {"body over the limit", FetchError(fleet::Status::TooLarge("the answer is larger than 16 MiB")),
       "body_too_large", "body_too_large: the answer is larger than 16 MiB"},
      {"HTTP 500", FetchedBody{fleet::Status::Ok(), 500, "text/plain", "oops", 0}, "http_status", "http_status: "},
      {"a value that does not parse", FetchedBody{fleet::Status::Ok(), 200, "text/plain", "ok 1\nbad line here\n", 0},
       "parse", "parse (invalid_value, line 2): "},
      {"invalid UTF-8", FetchedBody{fleet::Status::Ok(), 200, "text/plain", "x{a=\"\xff\"} 1\n", 0}, "parse",
       "parse (invalid_utf8, line 1): "},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Fixture f;
    if (c.fetched) {
      std::lock_guard lock(f.fetch_mu);
      f.bodies["http://a:1/metrics"] = *c.fetched;
    }
    f.Discover({"a:1"});
    ScrapeManager manager(f.Options());
    manager.Refresh();
    EXPECT_EQ(f.sink.WaitFor(Key("up", "a:1"), 1).at(0), 0);
    manager.Stop();
    const auto components = f.registry.Components();
    ASSERT_EQ(components.size(), 1u);
    const status::ComponentSnapshot s = components[0]->Snapshot();
    EXPECT_EQ(s.kind, "target");
    EXPECT_EQ(s.health, status::Health::kError);
    EXPECT_EQ(s.last_error.rfind(c.want_error_prefix, 0), 0u) << s.last_error;
    std::vector<Family> families;
    manager.Collect(&families);
    std::string text;
    fleet::metrics::WriteText(families, &text);
    EXPECT_NE(text.find(std::string("fleet_agent_scrape_failures_total{job=\"app\",kind=\"") + c.want_kind + "\"}"),
              std::string::npos) << text;
  }
}

TEST(ScrapeManager, TargetsAreCapped) {
  Fixture f;
  std::vector<std::string> addresses;
  for (size_t i = 0; i < ScrapeManager::kMaxTargets + 5; ++i) addresses.push_back("h:" + std::to_string(1000 + i));
  f.Discover(addresses);
  auto options = f.Options();
  options.configs[0].scrape_interval = options.configs[0].scrape_timeout = std::chrono::hours(1);
  ScrapeManager manager(std::move(options));
  manager.Refresh();
  EXPECT_EQ(manager.ComponentNames().size(), ScrapeManager::kMaxTargets);
}

TEST(StaticDiscoverer, EachTargetIsItsAddressAndItsGroupsLabels) {
  StaticDiscoverer d({{{"a:1", "b:2"}, {{"env", "prod"}}}, {{"c:3"}, {}}});
  auto got = d.Discover();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, (std::vector<DiscoveredTarget>{{{"__address__", "a:1"}, {"env", "prod"}},
                                                 {{"__address__", "b:2"}, {"env", "prod"}},
                                                 {{"__address__", "c:3"}}}));
}

}  // namespace
}  // namespace agent::scrape
