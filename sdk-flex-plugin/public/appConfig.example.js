// Local development only: copy to public/appConfig.js (git-ignored) when running
// the plugin inside a local Flex host page. In production the plugin reads the same
// `videoEscalation` settings from the Flex instance's UI attributes
// (ui_attributes.videoEscalation), which win over this file field by field.
// eslint-disable-next-line no-unused-vars, no-var
var appConfig = {
  pluginService: {
    enabled: true,
    url: '/plugins',
  },
  ytica: false,
  logLevel: 'info',
  showSupervisorDesktopView: true,

  videoEscalation: {
    // The Escalate service (no trailing /v1).
    serviceBaseUrl: 'http://127.0.0.1:8080',
    // The contact center's id, as shown in the dashboard or GET /v1/contact-centers.
    contactCenterId: '00000000-0000-0000-0000-000000000000',
    // End the video call (room and customer link) when the agent wraps up or completes the task.
    endVideoOnTaskEnd: true,
  },
};
