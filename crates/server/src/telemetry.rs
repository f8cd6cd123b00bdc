//! Logs and traces. Logs go to stderr (pretty or JSON lines, filtered by
//! LOG_LEVEL). With OTEL_EXPORTER_OTLP_ENDPOINT set, spans are exported over
//! OTLP/HTTP (JSON) in batches: one per request, per database query and per
//! Twilio call, with tenant and contact center ids, and W3C trace context
//! taken from callers and passed on to Twilio.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::settings::{LogFormat, Settings};

/// Keeps the trace pipeline alive; [`Telemetry::shutdown`] flushes it.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports what is still buffered. Blocks, so it runs off the async threads.
    pub async fn shutdown(self) {
        if let Some(provider) = self.provider {
            let _ = tokio::task::spawn_blocking(move || {
                if let Err(e) = provider.shutdown() {
                    eprintln!("flushing traces failed: {e}");
                }
            })
            .await;
        }
    }
}

pub fn init(settings: &Settings) -> anyhow::Result<Telemetry> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let mut filter = EnvFilter::try_new(&settings.telemetry.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    for target in escalate_http::signaling::FRAME_LOGGING_TARGETS {
        filter = filter.add_directive(format!("{target}=info").parse()?);
    }
    let logs = match settings.telemetry.log_format {
        LogFormat::Json => {
            tracing_subscriber::fmt::layer().json().flatten_event(true).with_writer(std::io::stderr).boxed()
        }
        LogFormat::Pretty => tracing_subscriber::fmt::layer().with_writer(std::io::stderr).boxed(),
    };
    let provider = match &settings.telemetry.otel_exporter_otlp_endpoint {
        Some(endpoint) => Some(tracer_provider(
            endpoint,
            &settings.telemetry.otel_service_name,
            settings.telemetry.otel_traces_sampler_arg,
        )?),
        None => None,
    };
    let traces = provider.as_ref().map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("escalate")));
    let _ = tracing_subscriber::registry().with(filter).with(logs).with(traces).try_init();
    Ok(Telemetry { provider })
}

fn tracer_provider(endpoint: &str, service_name: &str, ratio: f64) -> anyhow::Result<SdkTracerProvider> {
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    // The exporter's blocking HTTP client owns a runtime of its own and must
    // not be built on one of tokio's threads.
    let exporter = std::thread::spawn(move || {
        SpanExporter::builder().with_http().with_protocol(Protocol::HttpJson).with_endpoint(url).build()
    })
    .join()
    .map_err(|_| anyhow::anyhow!("OTEL_EXPORTER_OTLP_ENDPOINT: building the exporter panicked"))?
    .map_err(|e| anyhow::anyhow!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}"))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        // Follow the caller's sampling decision; sample new traces by ratio.
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio))))
        .with_resource(Resource::builder().with_service_name(service_name.to_owned()).build())
        .build())
}
