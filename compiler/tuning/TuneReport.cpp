//===- TuneReport.cpp -----------------------------------------------------===//
#include "compiler/tuning/TuneReport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace strata::tuning {

namespace {

std::string escape(const std::string &s) {
  std::string out;
  for (char c : s)
    switch (c) {
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  return out;
}

std::string fmt(double v, int digits = 3) {
  if (!std::isfinite(v))
    return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// A value for an axis tick: few digits, no trailing noise.
std::string tick(double v) {
  std::ostringstream os;
  os.precision(3);
  os << v;
  return os.str();
}

/// A round step that cuts [0, span] into about `n` parts (1, 2 or 5 times a power of ten).
double niceStep(double span, int n) {
  double raw = span / n, mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw)
      return m * mag;
  return 10 * mag;
}

const char *kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> xy; // a best-so-far curve: drawn as steps
};

/// A step chart as inline SVG; `ref` (when finite) is a dashed horizontal line (the default).
std::string chart(const std::string &title, const std::string &xLabel, const std::string &yLabel,
                  const std::vector<Series> &series, double ref, int width = 560,
                  int height = 300) {
  double x0 = 0, x1 = 0, y0 = INFINITY, y1 = -INFINITY;
  for (const Series &s : series)
    for (auto [x, y] : s.xy) {
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  if (std::isfinite(ref))
    y0 = std::min(y0, ref), y1 = std::max(y1, ref);
  if (!std::isfinite(y0))
    y0 = 0, y1 = 1;
  if (x1 <= x0)
    x1 = x0 + 1;
  double pad = (y1 - y0) * 0.08 + 1e-12;
  y0 = std::max(0.0, y0 - pad), y1 += pad;
  const int left = 70, right = 16, top = 28, bottom = 44;
  double pw = width - left - right, ph = height - top - bottom;
  auto X = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  std::ostringstream os;
  os << llvm::formatv("<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' "
                      "font-family='sans-serif' font-size='11'>",
                      width, height).str();
  os << llvm::formatv("<text x='{0}' y='16' font-size='13' font-weight='bold'>{1}</text>", left,
                      escape(title)).str();
  os << llvm::formatv("<rect x='{0}' y='{1}' width='{2}' height='{3}' fill='none' stroke='#999'/>",
                      left, top, pw, ph).str();
  for (double v = std::ceil(y0 / niceStep(y1 - y0, 5)) * niceStep(y1 - y0, 5); v <= y1;
       v += niceStep(y1 - y0, 5))
    os << llvm::formatv("<line x1='{0}' x2='{1}' y1='{2:F1}' y2='{2:F1}' stroke='#eee'/>"
                        "<text x='{3}' y='{4:F1}' text-anchor='end'>{5}</text>",
                        left, left + pw, Y(v), left - 4, Y(v) + 4, tick(v)).str();
  for (double v = 0; v <= x1; v += niceStep(x1 - x0, 6))
    os << llvm::formatv("<text x='{0:F1}' y='{1}' text-anchor='middle'>{2}</text>", X(v),
                        top + ph + 14, tick(v)).str();
  os << llvm::formatv("<text x='{0:F1}' y='{1}' text-anchor='middle'>{2}</text>", left + pw / 2,
                      height - 6, escape(xLabel)).str();
  os << llvm::formatv("<text transform='translate(14,{0:F1}) rotate(-90)' "
                      "text-anchor='middle'>{1}</text>",
                      top + ph / 2, escape(yLabel)).str();
  if (std::isfinite(ref))
    os << llvm::formatv("<line x1='{0}' x2='{1}' y1='{2:F1}' y2='{2:F1}' stroke='#555' "
                        "stroke-dasharray='4 3'/><text x='{1}' y='{3:F1}' text-anchor='end' "
                        "fill='#555'>default</text>",
                        left, left + pw, Y(ref), Y(ref) - 3).str();
  for (size_t i = 0; i < series.size(); ++i) {
    const Series &s = series[i];
    std::ostringstream path;
    for (size_t k = 0; k < s.xy.size(); ++k) {
      auto [x, y] = s.xy[k];
      if (k)
        path << llvm::formatv(" L{0:F1},{1:F1}", X(x), Y(s.xy[k - 1].second)).str();
      path << llvm::formatv(k ? " L{0:F1},{1:F1}" : "M{0:F1},{1:F1}", X(x), Y(y)).str();
    }
    const char *color = kColors[i % (sizeof kColors / sizeof *kColors)];
    os << "<path d='" << path.str() << "' fill='none' stroke='" << color
       << "' stroke-width='1.6'><title>" << escape(s.name) << "</title></path>";
    if (series.size() > 1)
      os << llvm::formatv("<text x='{0}' y='{1}' fill='{2}' text-anchor='end'>{3}</text>",
                          left + pw - 4, top + 14 + 13 * i, color, escape(s.name)).str();
  }
  os << "</svg>";
  return os.str();
}

Series curveOf(const std::vector<TracePoint> &points, bool byTime, const std::string &name) {
  Series s{name, {}};
  for (const TracePoint &p : points)
    s.xy.push_back({byTime ? p.seconds : p.trials, p.ms});
  return s;
}

} // namespace

const TracePoint *ninetyPercentPoint(const SweepTrace &t) {
  if (t.modelCurve.empty() || !(t.defaultModelMs > 0))
    return nullptr;
  double final = t.modelCurve.back().ms, gain = t.defaultModelMs - final;
  if (!(gain > 0))
    return nullptr;
  for (const TracePoint &p : t.modelCurve)
    if (p.ms <= final + 0.1 * gain)
      return &p;
  return &t.modelCurve.back();
}

llvm::Error writeReport(const SweepTrace &t, const std::string &path) {
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>strata tune: "
     << escape(t.model) << "</title><style>"
     << "body{font-family:sans-serif;margin:24px;color:#222}"
     << "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;"
     << "border-bottom:1px solid #ddd;text-align:right}td.l,th.l{text-align:left}"
     << "code{font-size:12px}.grid{display:flex;flex-wrap:wrap;gap:8px}</style></head><body>\n";
  os << "<h1>strata tune: " << escape(t.model) << "</h1>\n<p>Target " << escape(t.target) << ", "
     << t.threads << " thread" << (t.threads == 1 ? "" : "s") << " while measured";
  if (t.simulated)
    os << ", <b>simulated timing</b> (a test of the tuner: the times are not measurements)";
  if (t.peakGflopsPerCore > 0)
    os << ", FMA peak measured in this run " << fmt(t.peakGflopsPerCore, 1)
       << " GFLOP/s per core";
  os << ".</p>\n";
  double finalMs = t.modelCurve.empty() ? NAN : t.modelCurve.back().ms;
  os << "<p>The model's kernels (each task's kernel time x its count, timed in isolation): "
     << fmt(t.defaultModelMs) << " ms with the default schedules, " << fmt(finalMs)
     << " ms tuned";
  if (t.defaultModelMs > 0 && finalMs > 0)
    os << " (" << fmt(t.defaultModelMs / finalMs, 2) << "x)";
  os << ".";
  if (const TracePoint *p = ninetyPercentPoint(t); p && !t.modelCurve.empty()) {
    const TracePoint &last = t.modelCurve.back();
    os << " 90% of the gain was reached after " << fmt(p->trials, 0) << " of "
       << fmt(last.trials, 0) << " trials (" << fmt(100 * p->trials / last.trials, 0) << "%), "
       << fmt(p->seconds, 0) << " s of " << fmt(last.seconds, 0) << " s ("
       << fmt(100 * p->seconds / std::max(last.seconds, 1e-9), 0) << "%).";
  }
  os << "</p>\n<div class='grid'>"
     << chart("Model kernel time, best so far", "trials", "ms",
              {curveOf(t.modelCurve, false, "model")}, t.defaultModelMs)
     << chart("Model kernel time, best so far", "wall time (s)", "ms",
              {curveOf(t.modelCurve, true, "model")}, t.defaultModelMs)
     << "</div>\n";

  // Tasks by their share of the default model time, largest first.
  std::vector<const TaskTrace *> order;
  for (const TaskTrace &task : t.tasks)
    order.push_back(&task);
  auto share = [](const TaskTrace *k) {
    return std::isfinite(k->defaultMs) ? k->count * k->defaultMs : 0.0;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const TaskTrace *a, const TaskTrace *b) { return share(a) > share(b); });
  const size_t kCharts = 12;
  os << "<h2>Tasks</h2>\n<p>Best so far against the task's trials, for the "
     << std::min(kCharts, order.size()) << " tasks with the largest share of the default time.</p>"
     << "\n<div class='grid'>";
  for (size_t i = 0; i < order.size() && i < kCharts; ++i) {
    const TaskTrace &k = *order[i];
    os << chart(k.kernelName + " (x" + std::to_string(k.count) + ")", "trials", "ms",
                {curveOf(k.curve, false, k.kernelName)}, k.defaultMs, 360, 220);
  }
  os << "</div>\n<h2>Kernels</h2>\n<table><tr><th class='l'>task (first kernel)</th>"
     << "<th>count</th><th>default ms</th><th>tuned ms</th><th>speed-up</th>"
     << "<th>GFLOP/s</th><th>% peak</th><th>trials</th><th class='l'>tuned schedule</th></tr>\n";
  for (const TaskTrace *kp : order) {
    const TaskTrace &k = *kp;
    double gflops = k.bestMs > 0 ? k.flops / (k.bestMs * 1e6) : NAN;
    os << "<tr><td class='l'>" << escape(k.kernelName) << "</td><td>" << k.count << "</td><td>"
       << fmt(k.defaultMs, 4) << "</td><td>" << fmt(k.bestMs, 4) << "</td><td>"
       << (k.defaultMs > 0 && k.bestMs > 0 ? fmt(k.defaultMs / k.bestMs, 2) + "x" : "-")
       << "</td><td>" << fmt(gflops, 1) << "</td><td>"
       << (t.peakGflopsPerCore > 0 ? fmt(100 * gflops / (t.peakGflopsPerCore * t.threads), 1)
                                   : "-")
       << "</td><td>" << (k.curve.empty() ? 0 : (int)k.curve.back().trials)
       << "</td><td class='l'><code>" << escape(k.knobs) << "</code></td></tr>\n";
  }
  os << "</table>\n</body></html>\n";

  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out || !(out << os.str()) || !out.flush())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "cannot write the report '" + tmp + "'");
  }
  if (auto ec = llvm::sys::fs::rename(tmp, path))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot write the report '" + path + "': " + ec.message());
  return llvm::Error::success();
}

} // namespace strata::tuning
