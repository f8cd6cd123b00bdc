// Local development with the Flex Plugins CLI (`twilio flex:plugins:start`):
// copy this file to public/appConfig.js (git-ignored), which the CLI's
// `flex-plugin start` requires and serves to the local Flex page, where it
// becomes Flex's configuration (`Flex.Manager.create(appConfig)`). The shape is
// the Flex plugin template's (pluginService, logLevel, …) plus the plugin's
// own settings under `videoEscalation`: see README, "Local development".
//
//   cp public/appConfig.example.js public/appConfig.js
//
// In production the plugin reads the same `videoEscalation` settings from the
// Flex instance's UI attributes (ui_attributes.videoEscalation), which win over
// this file field by field.
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
    // The Escalate service (no trailing /v1). It must allow CORS from the local Flex page's origin.
    serviceBaseUrl: 'http://127.0.0.1:8080',
    // The contact center's id, as shown in the dashboard or GET /v1/contact-centers.
    contactCenterId: '00000000-0000-0000-0000-000000000000',
    // End the video call (room and customer link) when the task ends for the agent.
    endVideoOnTaskEnd: true,
    // "keep-audio" (default) or "mute-agent": what happens while the agent looks at another task.
    whenTaskHidden: 'keep-audio',
    // "en" (default) or "es": the language of the plugin's texts for agents.
    language: 'en',
  },
};
