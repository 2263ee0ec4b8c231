//! What the engine's end-to-end tests share: a driver that feeds a fresh
//! probe scripted server turns.

/// Feeds `script` (one server turn per element, 10 ms apart) to a fresh
/// probe for `protocol`, ends with `end` (at the deadline for a timeout) and
/// returns the error the probe must end with (when it asks for a legacy
/// capture's second connection, that connection fails and the first
/// attempt's error is returned).
pub fn drive_script(
    protocol: starttls_engine::Protocol,
    script: &[&[u8]],
    end: starttls_engine::Input<'static>,
) -> starttls_engine::ProbeError {
    use starttls_engine::{Config, Input, Output, Probe};
    let now = std::time::Instant::now();
    let mut probe = Probe::new(Config::new(protocol), now);
    let mut t = now;
    for chunk in script {
        while let Output::Transmit(_) = probe.poll_output() {}
        t += std::time::Duration::from_millis(10);
        probe.handle_input(Input::Received(chunk), t);
    }
    while let Output::Transmit(_) = probe.poll_output() {}
    if let Output::Wait(deadline) = probe.poll_output() {
        let at = if end == Input::Timeout { deadline } else { t };
        probe.handle_input(end, at);
    }
    if probe.poll_output() == Output::Reconnect {
        // A legacy capture's second connection is refused here: the first
        // attempt's error is the one the script is about.
        probe.handle_input(Input::Closed, t);
        match probe.poll_output() {
            Output::Done(Err(starttls_engine::ProbeError::Legacy { first, second })) => {
                assert!(second.to_string().contains("closed"), "{second}");
                return *first;
            }
            other => panic!("expected a legacy failure, got {other:?}"),
        }
    }
    match probe.poll_output() {
        Output::Done(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}
