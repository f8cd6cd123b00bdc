//! Fixed wording of the join page in every supported locale. One struct per
//! locale, so a missing translation is a compile error, not an English
//! fallback a Spanish-speaking customer stumbles on.

use std::collections::BTreeMap;

/// Every fixed string of the join page (server-rendered and the messages
/// `join.js` shows); `{seconds}` is replaced by the script. The macro keeps the
/// struct and its template map in step.
macro_rules! strings {
    ($($field:ident),* $(,)?) => {
        pub struct Strings {
            $(pub $field: &'static str,)*
        }

        impl Strings {
            /// As a template value: `t.mute`, `t.rate_limited`, …
            pub fn to_map(&self) -> BTreeMap<&'static str, &'static str> {
                BTreeMap::from([$((stringify!($field), self.$field)),*])
            }
        }
    };
}

strings! {
    lang,
    test_call_title,
    test_call_hint,
    customer_link,
    copy,
    copied,
    open,
    end_test_call,
    back_to_center,
    waiting_for_customer,
    customer_left,
    page_title,
    intro,
    preview_label,
    camera_off,
    mic_level,
    mute,
    unmute,
    camera_turn_off,
    camera_turn_on,
    switch_camera,
    leave,
    rejoin,
    controls_label,
    starting_devices,
    devices_ready,
    devices_denied,
    devices_unavailable,
    connecting,
    connected,
    waiting_for_agent,
    remote_label,
    self_label,
    agent_left,
    reconnecting,
    remote_muted,
    remote_camera_off,
    room_full,
    could_not_connect,
    offline,
    service_unavailable,
    unsupported_browser,
    rate_limited,
    too_many_title,
    generic_error,
    left_title,
    left_body,
    invalid_title,
    invalid_body,
    completed_title,
    completed_body,
    privacy_note,
    secure_call,
    rating_title,
    rating_star,
    rating_comment_label,
    rating_send,
    rating_skip,
    rating_choose,
    rating_thanks,
    rating_already,
    recording_notice,
    recording_consent,
    recording_consent_needed,
    recording_on,
    share_screen,
    stop_sharing,
    sharing_screen,
    screen_share_failed,
    handoff_title,
    handoff_body,
    handoff_qr_label,
    moved_title,
    moved_body,
    ask_back_camera,
    ask_sent,
    asked_back_camera,
    asked_switch,
    asked_one_camera,
    not_now,
    told_snapshot,
    torch_on,
    torch_off,
    zoom,
    take_snapshot,
    snapshot_title,
    snapshot_arrow,
    snapshot_circle,
    snapshot_freehand,
    snapshot_text,
    snapshot_text_label,
    snapshot_undo,
    snapshot_cancel,
    snapshot_save,
    snapshot_saving,
    snapshot_saved,
    snapshot_saved_untold,
    snapshot_no_video,
    snapshot_disabled,
    snapshot_limit,
    snapshot_too_large,
    snapshot_not_an_image,
    snapshot_ended,
    snapshot_offline,
    snapshot_failed,
}

pub const EN: Strings = Strings {
    lang: "en",
    page_title: "Video call",
    intro: "Check your camera and microphone, then join when you are ready.",
    preview_label: "Your camera preview",
    camera_off: "Camera is off",
    mic_level: "Microphone level",
    mute: "Mute",
    unmute: "Unmute",
    camera_turn_off: "Stop video",
    camera_turn_on: "Start video",
    switch_camera: "Switch camera",
    leave: "Leave",
    rejoin: "Rejoin the call",
    controls_label: "Call controls",
    starting_devices: "Starting your camera and microphone…",
    devices_ready: "Your camera and microphone are ready.",
    devices_denied: "We can't use your camera or microphone. Allow access in your browser's settings, or join without them.",
    devices_unavailable: "No camera or microphone found. You can still join the call.",
    connecting: "Connecting…",
    connected: "You are connected.",
    waiting_for_agent: "Waiting for your agent to join…",
    test_call_title: "Test call",
    test_call_hint: "You are the agent. Open the customer link on another device or tab:",
    customer_link: "Customer link",
    copy: "Copy",
    copied: "Copied",
    open: "Open",
    end_test_call: "End test call",
    back_to_center: "Back to the contact center",
    waiting_for_customer: "Waiting for the customer to join…",
    customer_left: "The customer has left the call.",
    remote_label: "Your agent's video",
    self_label: "Your video",
    agent_left: "Your agent has left the call.",
    reconnecting: "Connection lost. Reconnecting…",
    remote_muted: "Muted",
    remote_camera_off: "Camera off",
    room_full: "This call already has its participants. If you opened the link twice, close the other tab.",
    could_not_connect: "We could not reach the video call. Please try again. If it keeps failing, your network may block video calls: try another Wi-Fi or mobile data, or tell your agent in the chat.",
    offline: "You seem to be offline. Check your Wi-Fi or mobile data, then try again.",
    service_unavailable: "The video service is not available right now. This is not a problem with your connection: please try again in a few minutes, or tell your agent in the chat.",
    unsupported_browser: "This browser does not support video calls. Please open the link in an up-to-date Chrome, Edge, Firefox or Safari.",
    rate_limited: "Too many attempts. Please try again in {seconds} s.",
    too_many_title: "Too many attempts",
    generic_error: "Something went wrong. Please try again.",
    left_title: "You left the call",
    left_body: "You can rejoin while your agent is still in the call.",
    invalid_title: "This link is no longer valid",
    invalid_body: "It may have expired or already been used. Please ask your agent for a new link in the chat.",
    completed_title: "This call has ended",
    completed_body: "Thank you for joining. You can close this page now.",
    privacy_note: "Your camera and microphone are only used during this call.",
    secure_call: "Secure video call",
    rating_title: "How was your video call?",
    rating_star: "{n} of 5 stars",
    rating_comment_label: "Anything else you want to tell us? (optional)",
    rating_send: "Send rating",
    rating_skip: "Skip",
    rating_choose: "Choose from 1 to 5 stars, or skip.",
    rating_thanks: "Thank you for your feedback.",
    rating_already: "You have rated this call already. Thank you.",
    recording_notice: "This video call will be recorded, audio and video, and kept for a limited time.",
    recording_consent: "I agree to this call being recorded",
    recording_consent_needed: "To join, first agree to the call being recorded.",
    recording_on: "Recording",
    share_screen: "Share screen",
    stop_sharing: "Stop sharing",
    sharing_screen: "You are sharing your screen.",
    screen_share_failed: "Your screen could not be shared. You can keep talking on camera.",
    handoff_title: "On your phone?",
    handoff_body: "Scan this code with your phone\u{2019}s camera to continue the call there, with its back camera if the agent needs to see something.",
    handoff_qr_label: "QR code of this call\u{2019}s link",
    moved_title: "The call continued on another device",
    moved_body: "You opened this link somewhere else, so this page stepped aside. Rejoin to bring the call back here.",
    ask_back_camera: "Ask for back camera",
    ask_sent: "Asked the customer to show you with their back camera.",
    asked_back_camera: "Your agent asks to see something with your back camera.",
    asked_switch: "Switch to back camera",
    asked_one_camera: "This device has one camera. To show something up close, open this link on your phone.",
    not_now: "Not now",
    told_snapshot: "Your agent took a photo of your video.",
    torch_on: "Turn on light",
    torch_off: "Turn off light",
    zoom: "Zoom",
    take_snapshot: "Take snapshot",
    snapshot_title: "Snapshot of the customer\u{2019}s video",
    snapshot_arrow: "Arrow",
    snapshot_circle: "Circle",
    snapshot_freehand: "Draw",
    snapshot_text: "Text",
    snapshot_text_label: "Text to add",
    snapshot_undo: "Undo",
    snapshot_cancel: "Cancel",
    snapshot_save: "Save snapshot",
    snapshot_saving: "Saving the snapshot…",
    snapshot_saved: "Snapshot saved.",
    snapshot_saved_untold: "Snapshot saved, but the customer could not be told: please tell them a photo was taken.",
    snapshot_no_video: "No snapshot: the customer\u{2019}s video is not playing.",
    snapshot_disabled: "Snapshots are turned off for this contact center.",
    snapshot_limit: "This call has as many snapshots as it may keep (20).",
    snapshot_too_large: "This snapshot is too large to save.",
    snapshot_not_an_image: "This snapshot could not be saved as a picture.",
    snapshot_ended: "The call has ended: the snapshot was not saved.",
    snapshot_offline: "Could not reach the service: check your connection and try again.",
    snapshot_failed: "The snapshot could not be saved. Try again.",
};

pub const ES: Strings = Strings {
    lang: "es",
    page_title: "Videollamada",
    intro: "Comprueba tu cámara y tu micrófono y únete cuando estés listo.",
    preview_label: "Vista previa de tu cámara",
    camera_off: "La cámara está apagada",
    mic_level: "Nivel del micrófono",
    mute: "Silenciar",
    unmute: "Activar sonido",
    camera_turn_off: "Detener vídeo",
    camera_turn_on: "Iniciar vídeo",
    switch_camera: "Cambiar de cámara",
    leave: "Salir",
    rejoin: "Volver a la llamada",
    controls_label: "Controles de la llamada",
    starting_devices: "Iniciando tu cámara y tu micrófono…",
    devices_ready: "Tu cámara y tu micrófono están listos.",
    devices_denied: "No podemos usar tu cámara ni tu micrófono. Permite el acceso en la configuración del navegador o únete sin ellos.",
    devices_unavailable: "No se encontró cámara ni micrófono. Aun así puedes unirte a la llamada.",
    connecting: "Conectando…",
    connected: "Estás conectado.",
    waiting_for_agent: "Esperando a que tu agente se una…",
    test_call_title: "Llamada de prueba",
    test_call_hint: "Eres el agente. Abre el enlace del cliente en otro dispositivo o pestaña:",
    customer_link: "Enlace del cliente",
    copy: "Copiar",
    copied: "Copiado",
    open: "Abrir",
    end_test_call: "Finalizar la llamada de prueba",
    back_to_center: "Volver al centro de contacto",
    waiting_for_customer: "Esperando a que el cliente se una…",
    customer_left: "El cliente ha salido de la llamada.",
    remote_label: "Vídeo de tu agente",
    self_label: "Tu vídeo",
    agent_left: "Tu agente ha salido de la llamada.",
    reconnecting: "Se perdió la conexión. Reconectando…",
    remote_muted: "Micrófono apagado",
    remote_camera_off: "Cámara apagada",
    room_full: "Esta llamada ya tiene a sus participantes. Si abriste el enlace dos veces, cierra la otra pestaña.",
    could_not_connect: "No pudimos llegar a la videollamada. Inténtalo de nuevo. Si sigue fallando, puede que tu red bloquee las videollamadas: prueba otra red wifi o los datos móviles, o avisa a tu agente en el chat.",
    offline: "Parece que no tienes conexión. Comprueba tu wifi o tus datos móviles e inténtalo de nuevo.",
    service_unavailable: "El servicio de vídeo no está disponible en este momento. No es un problema de tu conexión: inténtalo de nuevo en unos minutos o avisa a tu agente en el chat.",
    unsupported_browser: "Este navegador no admite videollamadas. Abre el enlace en una versión actual de Chrome, Edge, Firefox o Safari.",
    rate_limited: "Demasiados intentos. Inténtalo de nuevo en {seconds} s.",
    too_many_title: "Demasiados intentos",
    generic_error: "Algo salió mal. Inténtalo de nuevo.",
    left_title: "Has salido de la llamada",
    left_body: "Puedes volver a unirte mientras tu agente siga en la llamada.",
    invalid_title: "Este enlace ya no es válido",
    invalid_body: "Puede que haya caducado o que ya se haya usado. Pide a tu agente un enlace nuevo en el chat.",
    completed_title: "Esta llamada ha terminado",
    completed_body: "Gracias por unirte. Ya puedes cerrar esta página.",
    privacy_note: "Tu cámara y tu micrófono solo se usan durante esta llamada.",
    secure_call: "Videollamada segura",
    rating_title: "¿Qué tal fue tu videollamada?",
    rating_star: "{n} de 5 estrellas",
    rating_comment_label: "¿Algo más que quieras contarnos? (opcional)",
    rating_send: "Enviar valoración",
    rating_skip: "Omitir",
    rating_choose: "Elige de 1 a 5 estrellas, u omite la valoración.",
    rating_thanks: "Gracias por tu opinión.",
    rating_already: "Ya has valorado esta llamada. Gracias.",
    recording_notice: "Esta videollamada se grabará, con audio y vídeo, y se conservará durante un tiempo limitado.",
    recording_consent: "Acepto que se grabe esta llamada",
    recording_consent_needed: "Para unirte, acepta primero que se grabe la llamada.",
    recording_on: "Grabando",
    share_screen: "Compartir pantalla",
    stop_sharing: "Dejar de compartir",
    sharing_screen: "Estás compartiendo tu pantalla.",
    screen_share_failed: "No se ha podido compartir tu pantalla. Puedes seguir hablando con la cámara.",
    handoff_title: "¿Prefieres el móvil?",
    handoff_body: "Escanea este código con la cámara de tu móvil para seguir la llamada allí, con la cámara trasera si el agente necesita ver algo.",
    handoff_qr_label: "Código QR del enlace de esta llamada",
    moved_title: "La llamada sigue en otro dispositivo",
    moved_body: "Has abierto este enlace en otro sitio, así que esta página se ha apartado. Vuelve a unirte para traer la llamada aquí.",
    ask_back_camera: "Pedir la cámara trasera",
    ask_sent: "Se ha pedido al cliente que te muestre con su cámara trasera.",
    asked_back_camera: "Tu agente te pide que le muestres algo con tu cámara trasera.",
    asked_switch: "Cambiar a la cámara trasera",
    asked_one_camera: "Este dispositivo tiene una sola cámara. Para enseñar algo de cerca, abre este enlace en tu móvil.",
    not_now: "Ahora no",
    told_snapshot: "Tu agente ha hecho una foto de tu vídeo.",
    torch_on: "Encender la luz",
    torch_off: "Apagar la luz",
    zoom: "Zoom",
    take_snapshot: "Hacer una foto",
    snapshot_title: "Foto del vídeo del cliente",
    snapshot_arrow: "Flecha",
    snapshot_circle: "Círculo",
    snapshot_freehand: "Dibujar",
    snapshot_text: "Texto",
    snapshot_text_label: "Texto que añadir",
    snapshot_undo: "Deshacer",
    snapshot_cancel: "Cancelar",
    snapshot_save: "Guardar la foto",
    snapshot_saving: "Guardando la foto…",
    snapshot_saved: "Foto guardada.",
    snapshot_saved_untold: "Foto guardada, pero no se pudo avisar al cliente: dígale que se tomó una foto.",
    snapshot_no_video: "No hay foto: el vídeo del cliente no se está reproduciendo.",
    snapshot_disabled: "Las fotos están desactivadas en este centro de contacto.",
    snapshot_limit: "Esta llamada ya tiene todas las fotos que puede guardar (20).",
    snapshot_too_large: "Esta foto es demasiado grande para guardarla.",
    snapshot_not_an_image: "No se ha podido guardar esta foto como imagen.",
    snapshot_ended: "La llamada ha terminado: la foto no se ha guardado.",
    snapshot_offline: "No se ha podido conectar con el servicio: comprueba tu conexión e inténtalo de nuevo.",
    snapshot_failed: "No se ha podido guardar la foto. Inténtalo de nuevo.",
};

/// The page language a visitor's browser asks for (`Accept-Language`), of
/// those there are strings for: the supported tag with the highest weight
/// (`es-MX;q=0.9` counts as `es`), else English.
pub fn negotiate(accept_language: Option<&str>) -> &'static str {
    let mut best: Option<(&'static str, f32)> = None;
    for item in accept_language.unwrap_or_default().split(',').take(20) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .unwrap_or(0.0);
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        let supported = ["en", "es"].into_iter().find(|l| primary.eq_ignore_ascii_case(l));
        if let Some(lang) = supported
            && q > 0.0
            && best.is_none_or(|(_, b)| q > b)
        {
            best = Some((lang, q));
        }
    }
    best.map_or("en", |(lang, _)| lang)
}

/// The strings of `locale`; unsupported locales (validated elsewhere) get English.
pub fn strings(locale: &str) -> &'static Strings {
    match locale {
        "es" => &ES,
        _ => &EN,
    }
}

#[cfg(test)]
mod negotiation_tests {
    use super::negotiate;

    #[test]
    fn the_best_supported_language_wins() {
        assert_eq!(negotiate(Some("es-ES,es;q=0.9,en;q=0.8")), "es");
        assert_eq!(negotiate(Some("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4")), "es");
        assert_eq!(negotiate(Some("de, en;q=0.2")), "en");
        assert_eq!(negotiate(Some("es;q=0, en")), "en");
        assert_eq!(negotiate(Some("ES-mx")), "es");
        assert_eq!(negotiate(Some("fr")), "en");
        assert_eq!(negotiate(Some("es;q=abc")), "en");
        assert_eq!(negotiate(None), "en");
    }
}
