package realtime_test

import dto "github.com/prometheus/client_model/go"

// sumMetric adds up the gauge and counter values of a gathered family.
func sumMetric(mf *dto.MetricFamily) float64 {
	var sum float64
	for _, m := range mf.GetMetric() {
		switch {
		case m.GetGauge() != nil:
			sum += m.GetGauge().GetValue()
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
