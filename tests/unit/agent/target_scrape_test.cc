// The per-target scrape core: what goes out for a fetch (target labels, honor_labels and
// honor_timestamps, sample_limit, the five report series) and the stale markers across scrapes,
// as Prometheus' scrape loop produces them.
#include "agent/scrape/target_scrape.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>

namespace agent::scrape {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;

constexpr const char* kText = "text/plain; version=0.0.4";
constexpr const char* kOpenMetrics = "application/openmetrics-text; version=1.0.0";

// "name{a=b,c=d}" (labels sorted) -> the value, "STALE" for a stale marker, with "@ts" when the
// sample has its own timestamp.
std::map<std::string, std::string> Flatten(const std::vector<Family>& families) {
  std::map<std::string, std::string> out;
  for (const auto& family : families) {
    for (const auto& sample : family.samples) {
      Labels labels = sample.labels;
      std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      std::string series = family.name + sample.suffix + "{";
      for (size_t i = 0; i < labels.size(); ++i) series += (i ? "," : "") + labels[i].name + "=" + labels[i].value;
      series += "}";
      std::string value = IsStaleNaN(sample.value) ? "STALE" : fleet::metrics::FormatValue(sample.value);
      if (sample.timestamp_ms) value += "@" + std::to_string(*sample.timestamp_ms);
      EXPECT_TRUE(out.emplace(series, value).second) << "series twice in one output: " << series;
    }
  }
  return out;
}

FetchResult Ok(std::string_view body, const char* content_type = kText) {
  return {fleet::Status::Ok(), 200, content_type, body, 0.25};
}

const Labels kTarget = {{"job", "app"}, {"instance", "10.0.0.1:8080"}};

// The report series for kTarget.
std::map<std::string, std::string> Report(int up, size_t scraped, size_t post_relabel, size_t added) {
  const std::string labels = "{instance=10.0.0.1:8080,job=app}";
  return {{"up" + labels, std::to_string(up)},
          {"scrape_duration_seconds" + labels, "0.25"},
          {"scrape_samples_scraped" + labels, std::to_string(scraped)},
          {"scrape_samples_post_metric_relabeling" + labels, std::to_string(post_relabel)},
          {"scrape_series_added" + labels, std::to_string(added)}};
}

std::map<std::string, std::string> Merge(std::map<std::string, std::string> a,
                                         const std::map<std::string, std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST(TargetScrape, GoodScrapeAddsTargetLabelsAndReportSeries) {
  TargetScraper scraper(kTarget, {});
  ScrapeOutput out = scraper.Scrape(Ok("# TYPE requests counter\nrequests_total{code=\"200\"} 5\nrequests_total{code=\"500\"} 1\n"
                                       "temperature NaN\n"));
  EXPECT_TRUE(out.report.up);
  EXPECT_EQ(out.report.error, ScrapeErrorKind::kNone);
  EXPECT_EQ(Flatten(out.families),
            Merge(Report(1, 3, 3, 3),
                  {{"requests_total{code=200,instance=10.0.0.1:8080,job=app}", "5"},
                   {"requests_total{code=500,instance=10.0.0.1:8080,job=app}", "1"},
                   {"temperature{instance=10.0.0.1:8080,job=app}", "NaN"}}));
  // The body's family metadata goes along.
  EXPECT_EQ(out.families.at(0).name, "requests");
  EXPECT_EQ(out.families.at(0).type, fleet::metrics::Type::kCounter);
  // Same series again: nothing added.
  EXPECT_EQ(scraper.Scrape(Ok("requests_total{code=\"200\"} 6\nrequests_total{code=\"500\"} 1\ntemperature 3\n"))
                .report.series_added,
            0u);
}

TEST(TargetScrape, HonorLabels) {
  struct Case {
    const char* name;
    bool honor_labels;
    std::string body;
    std::map<std::string, std::string> series;
  };
  const std::vector<Case> cases = {
      {"target wins; the exposition's value becomes exported_", false, "m{job=\"other\",x=\"1\"} 1\n",
       {{"m{exported_job=other,instance=10.0.0.1:8080,job=app,x=1}", "1"}}},
      {"exported_ taken: exported_exported_", false,
       "m{job=\"other\",exported_job=\"taken\"} 1\n",
       {{"m{exported_exported_job=other,exported_job=taken,instance=10.0.0.1:8080,job=app}", "1"}}},
      {"shorter names claim exported_ first", false,
       "m{instance=\"i\",job=\"j\",exported_job=\"e\"} 1\n",
       {{"m{exported_exported_job=j,exported_instance=i,exported_job=e,instance=10.0.0.1:8080,job=app}", "1"}}},
      {"an empty label is no conflict", false, "m{job=\"\"} 1\n",
       {{"m{instance=10.0.0.1:8080,job=app}", "1"}}},
      {"honor_labels: the exposition wins, missing ones come from the target", true,
       "m{job=\"other\"} 1\n", {{"m{instance=10.0.0.1:8080,job=other}", "1"}}},
  };
  for (const auto& c : cases) {
    TargetScrapeOptions options;
    options.honor_labels = c.honor_labels;
    TargetScraper scraper(kTarget, options);
    ScrapeOutput out = scraper.Scrape(Ok(c.body));
    ASSERT_TRUE(out.report.up) << c.name << ": " << out.report.message;
    EXPECT_EQ(Flatten(out.families), Merge(Report(1, 1, 1, 1), c.series)) << c.name;
  }
}

TEST(TargetScrape, HonorTimestamps) {
  const std::string body = "a 1 1700000000000\nb 2\n";
  for (bool honor : {true, false}) {
    TargetScrapeOptions options;
    options.honor_timestamps = honor;
    TargetScraper scraper(kTarget, options);
    auto series = Flatten(scraper.Scrape(Ok(body)).families);
    EXPECT_EQ(series.at("a{instance=10.0.0.1:8080,job=app}"), honor ? "1@1700000000000" : "1");
    EXPECT_EQ(series.at("b{instance=10.0.0.1:8080,job=app}"), "2");
    // A series with its own timestamp is not tracked for staleness (Prometheus does not).
    auto next = scraper.Scrape(Ok("b 2\n"));
    EXPECT_EQ(next.report.stale_markers, honor ? 0u : 1u);
  }
}

TEST(TargetScrape, SampleLimitFailsTheScrape) {
  struct Case {
    size_t sample_limit;
    bool up;
    size_t post_relabel;
  };
  const std::string body = "a 1\nb 2\nc 3\ndrop_me 4\n";
  for (const Case& c : std::vector<Case>{{0, true, 3}, {3, true, 3}, {2, false, 3}, {1, false, 3}}) {
    TargetScrapeOptions options;
    options.sample_limit = c.sample_limit;
    // The limit counts what the rewrite keeps.
    options.metric_relabel = [](Labels* labels) {
      return std::none_of(labels->begin(), labels->end(), [](const auto& l) { return l.value == "drop_me"; });
    };
    TargetScraper scraper(kTarget, options);
    ScrapeOutput out = scraper.Scrape(Ok(body));
    EXPECT_EQ(out.report.up, c.up) << c.sample_limit;
    EXPECT_EQ(out.report.samples_scraped, 4u) << "parsing goes on past the limit, to count";
    EXPECT_EQ(out.report.samples_post_relabel, c.post_relabel);
    if (!c.up) {
      EXPECT_EQ(out.report.error, ScrapeErrorKind::kSampleLimit);
      // Nothing of the body goes out: only the report series.
      EXPECT_EQ(out.families.size(), 5u);
      EXPECT_EQ(Flatten(out.families).at("up{instance=10.0.0.1:8080,job=app}"), "0");
    }
  }
}

TEST(TargetScrape, MetricRelabelRenamesAndDrops) {
  TargetScrapeOptions options;
  options.metric_relabel = [](Labels* labels) {
    for (auto& label : *labels) {
      if (label.name == "__name__" && label.value == "old_name") label.value = "new_name";
      if (label.name == "__name__" && label.value == "dropped") return false;
    }
    return true;
  };
  TargetScraper scraper(kTarget, options);
  ScrapeOutput out = scraper.Scrape(Ok("old_name 1\ndropped 2\nkept 3\n"));
  ASSERT_TRUE(out.report.up);
  EXPECT_EQ(Flatten(out.families), Merge(Report(1, 3, 2, 2), {{"new_name{instance=10.0.0.1:8080,job=app}", "1"},
                                                              {"kept{instance=10.0.0.1:8080,job=app}", "3"}}));
}

TEST(TargetScrape, RelabelThatBreaksASeriesFailsTheScrape) {
  TargetScrapeOptions options;
  options.metric_relabel = [](Labels* labels) {
    labels->push_back({"bad-name", "x"});
    return true;
  };
  TargetScraper scraper(kTarget, options);
  ScrapeOutput out = scraper.Scrape(Ok("a 1\n"));
  EXPECT_FALSE(out.report.up);
  EXPECT_EQ(out.report.error, ScrapeErrorKind::kInvalidSeries);
}

TEST(TargetScrape, StalenessAcrossThreeScrapes) {
  TargetScraper scraper(kTarget, {});
  const std::string l = "{instance=10.0.0.1:8080,job=app}";
  ScrapeOutput first = scraper.Scrape(Ok("a 1\nb 2\n"));
  EXPECT_EQ(first.report.stale_markers, 0u);
  // b is gone: a stale marker; c is new.
  ScrapeOutput second = scraper.Scrape(Ok("a 1\nc 3\n"));
  EXPECT_EQ(Flatten(second.families),
            Merge(Report(1, 2, 2, 1), {{"a" + l, "1"}, {"b" + l, "STALE"}, {"c" + l, "3"}}));
  // The marker is Prometheus' StaleNaN, bit for bit.
  for (const auto& family : second.families) {
    if (family.name == "b") {
      EXPECT_EQ(std::bit_cast<uint64_t>(family.samples.at(0).value), 0x7ff0000000000002u);
    }
  }
  // b stays gone: no second marker; a goes too.
  ScrapeOutput third = scraper.Scrape(Ok("c 4\n"));
  EXPECT_EQ(Flatten(third.families), Merge(Report(1, 1, 1, 0), {{"a" + l, "STALE"}, {"c" + l, "4"}}));
}

TEST(TargetScrape, TargetDownStalesEverythingOnce) {
  struct Case {
    const char* name;
    FetchResult fetch;
    ScrapeErrorKind error;
    ParseErrorKind parse_error;
  };
  const std::vector<Case> cases = {
      {"connection refused", {fleet::Status::Unavailable("connect: connection refused"), 0, "", "", 0.25},
       ScrapeErrorKind::kFetch, ParseErrorKind::kNone},
      {"HTTP 500", {fleet::Status::Ok(), 500, kText, "a 1\n", 0.25}, ScrapeErrorKind::kHttpStatus, ParseErrorKind::kNone},
      {"broken body", Ok("a 1\nb{ 2\n"), ScrapeErrorKind::kParse, ParseErrorKind::kSyntax},
      {"OpenMetrics without # EOF", Ok("a 1\n", kOpenMetrics), ScrapeErrorKind::kParse, ParseErrorKind::kMissingEof},
      {"unknown Content-Type", Ok("a 1\n", "text/html"), ScrapeErrorKind::kParse,
       ParseErrorKind::kUnsupportedContentType},
      {"body over body_size_limit", Ok("a 1\n" + std::string(100, '#') + "\n"), ScrapeErrorKind::kBodyTooLarge,
       ParseErrorKind::kNone},
  };
  const std::string l = "{instance=10.0.0.1:8080,job=app}";
  for (const auto& c : cases) {
    TargetScrapeOptions options;
    options.body_size_limit = 64;
    TargetScraper scraper(kTarget, options);
    ASSERT_TRUE(scraper.Scrape(Ok("a 1\nb 2\n")).report.up) << c.name;
    ScrapeOutput down = scraper.Scrape(c.fetch);
    EXPECT_FALSE(down.report.up) << c.name;
    EXPECT_EQ(down.report.error, c.error) << c.name << ": " << down.report.message;
    EXPECT_EQ(down.report.parse_error, c.parse_error) << c.name;
    EXPECT_FALSE(down.report.message.empty()) << c.name;
    auto series = Flatten(down.families);
    EXPECT_EQ(series.at("a" + l), "STALE") << c.name;
    EXPECT_EQ(series.at("b" + l), "STALE") << c.name;
    EXPECT_EQ(series.at("up" + l), "0") << c.name;
    EXPECT_EQ(series.size(), 7u) << c.name << ": nothing of a broken body goes out";
    // Still down: the markers went out already.
    ScrapeOutput still_down = scraper.Scrape(c.fetch);
    EXPECT_EQ(still_down.report.stale_markers, 0u) << c.name;
    // Back up: the series are not new (Prometheus keeps its series cache over a failure).
    ScrapeOutput back = scraper.Scrape(Ok("a 1\nb 2\n"));
    EXPECT_TRUE(back.report.up) << c.name;
    EXPECT_EQ(back.report.series_added, 0u) << c.name;
    EXPECT_EQ(back.report.stale_markers, 0u) << c.name;
  }
}

TEST(TargetScrape, DuplicateSeriesAreDroppedAndCounted) {
  TargetScraper scraper(kTarget, {});
  ScrapeOutput out = scraper.Scrape(Ok("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 9\n"));
  EXPECT_TRUE(out.report.up);
  EXPECT_EQ(out.report.duplicates, 1u);
  EXPECT_EQ(Flatten(out.families).at("a{instance=10.0.0.1:8080,job=app,x=1,y=2}"), "1");
}

TEST(TargetScrape, EmptyBodyIsAnEmptyScrape) {
  TargetScraper scraper(kTarget, {});
  scraper.Scrape(Ok("a 1\n"));
  ScrapeOutput out = scraper.Scrape(Ok(""));
  EXPECT_TRUE(out.report.up);
  EXPECT_EQ(out.report.stale_markers, 1u);
}

TEST(TargetScrape, StopStalesSeriesAndReport) {
  TargetScraper scraper(kTarget, {});
  scraper.Scrape(Ok("a 1\n"));
  auto series = Flatten(scraper.Stop());
  EXPECT_EQ(series.size(), 6u);
  for (const auto& [name, value] : series) EXPECT_EQ(value, "STALE") << name;
}

}  // namespace
}  // namespace agent::scrape
