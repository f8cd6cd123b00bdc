#!/usr/bin/env node
// Loads the built plugin bundle into a browser-like page (jsdom) the way Flex
// does — React, ReactDOM and Twilio.Flex as page globals — and checks that it
// registers a FlexPlugin whose init adds the header button, the Video tab, the
// task list badge and the supervisor's Video tab, that its header button is the
// page's Flex IconButton (Flex's components are taken from Twilio.Flex, not
// bundled), that it asks the page's Flex TaskHelper which tasks are chats, that
// the Video tab (an element label) is not on a task without a video call, and
// that no Twilio Paste package is in the bundle.
// Run by `npm run build` after bundling; exits 1 when the bundle is broken.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const { JSDOM } = require('jsdom');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function fail(msg) {
  console.error(`bundle smoke check failed: ${msg}`);
  process.exit(1);
}

const dom = new JSDOM('<!doctype html><html><body></body></html>', {
  runScripts: 'outside-only',
  url: 'https://flex.twilio.com/agent-desktop/',
});
const w = dom.window;
const added = [];
const registered = [];
const listeners = [];
const noop = () => undefined;
w.React = require('react');
w.ReactDOM = require('react-dom');
w.Twilio = {
  Flex: {
    Plugins: { init: (P) => registered.push(P) },
  },
};
w.console.log = noop;

const bundle = readFileSync(join(root, 'build', `${pkg.name}.js`), 'utf8');
if (bundle.includes('__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED')) {
  fail('React is bundled: it must come from the Flex page (window.React)');
}
const map = JSON.parse(readFileSync(join(root, 'build', `${pkg.name}.js.map`), 'utf8'));
const bundled = (name) => map.sources.some((src) => src.includes(`node_modules/${name}/`));
for (const name of ['@twilio-paste', '@twilio/flex-ui', '@emotion/react', '@material-ui/core']) {
  if (bundled(name)) fail(`${name} is bundled: Flex's components and theme must come from the Flex page (Twilio.Flex)`);
}
try {
  w.eval(bundle);
} catch (err) {
  fail(`the bundle threw while loading: ${String(err).slice(0, 300)}`);
}
if (registered.length !== 1) fail(`expected one plugin registered with Twilio.Flex.Plugins.init, got ${registered.length}`);

const React = w.React;
const themedWith = [];
const askedTaskHelper = [];
const flex = {
  Notifications: { registerNotification: noop, showNotification: (id) => fail(`unexpected notification ${id}`) },
  NotificationType: { error: 'error', warning: 'warning', success: 'success', information: 'information' },
  Actions: { addListener: (name) => listeners.push(name), invokeAction: async () => undefined },
  TaskCanvasHeader: { Content: { add: (el, opts) => added.push(['header', el, opts]) } },
  TaskCanvasTabs: { Content: { add: (el, opts) => added.push(['tabs', el, opts]) } },
  TaskHelper: {
    isChatBasedTask: (task) => askedTaskHelper.push('isChatBasedTask') > 0 && !!task.attributes.conversationSid,
    isEmailTask: () => false,
    getTaskConversationSid: (task) => askedTaskHelper.push('getTaskConversationSid') > 0 && task.attributes.conversationSid,
  },
  TaskListItem: { Content: { add: (el) => added.push(['list', el]) } },
  Supervisor: { TaskCanvasTabs: { Content: { add: (el) => added.push(['supervisor', el]) } } },
  Tab: (props) => props.children,
  withTaskContext: (C) => C,
  withTheme: (C) => {
    themedWith.push(C);
    return (props) => React.createElement(C, { ...props, theme: { tokens: {} } });
  },
  Button: ({ variant, ...props }) => React.createElement('button', { ...props, 'data-page-flex': 'Button' }),
  IconButton: ({ icon, variant, ...props }) =>
    React.createElement('button', { ...props, 'data-page-flex': 'IconButton', 'data-icon': typeof icon === 'string' ? icon : '' }),
};
const manager = {
  serviceConfiguration: {
    ui_attributes: { videoEscalation: { serviceBaseUrl: 'https://video.example.com', contactCenterId: 'cc-1' } },
  },
  user: { token: 't', identity: 'alice' },
  strings: {},
  store: { getState: () => ({ flex: {} }) },
};

const plugin = new registered[0]();
if (plugin.name !== 'VideoEscalationPlugin' || plugin.uniqueName !== pkg.name || plugin.version !== pkg.version) {
  fail(`unexpected plugin identity ${plugin.name} ${plugin.uniqueName}@${plugin.version}`);
}
await plugin.init(flex, manager);
const where = added.map(([w]) => w).join(',');
if (where !== 'header,tabs,list,supervisor') {
  fail(`expected the header button, the Video tab, the task list badge and the supervisor's Video tab, got [${where}]`);
}
if (themedWith.length !== 4) fail(`expected 4 components wrapped in Flex's withTheme, got ${themedWith.length}`);
if (manager.strings.VideoEscalationJoin !== 'Join Video Room') fail('the plugin strings were not registered in manager.strings');
if (!added.every(([, el]) => el && el.$$typeof === Symbol.for('react.element'))) {
  fail('the added components are not elements of the page’s React');
}
if (!['afterWrapupTask', 'afterCompleteTask', 'afterTransferTask', 'afterSelectTask'].every((l) => listeners.includes(l))) {
  fail(`task-end listeners missing: [${listeners.join(',')}]`);
}
const { renderToStaticMarkup } = require('react-dom/server');
const task = {
  taskSid: 'WT0123456789abcdef0123456789abcdef',
  taskChannelUniqueName: 'chat',
  status: 'accepted',
  taskStatus: 'assigned',
  attributes: { conversationSid: 'CH0123456789abcdef0123456789abcdef' },
  setAttributes: async () => undefined,
};
const header = renderToStaticMarkup(React.cloneElement(added[0][1], { task }));
// Chat tasks as the page's Flex tells them (TaskHelper), and the Video tab only once the task has a call.
if (!added[0][2]?.if({ task }) || !askedTaskHelper.includes('isChatBasedTask') || !askedTaskHelper.includes('getTaskConversationSid')) {
  fail(`the header button does not ask Flex's TaskHelper which tasks are chats: [${askedTaskHelper.join(',')}]`);
}
if (added[1][2]?.if({ task }) !== false) fail('the Video tab shows on a chat task with no video call');
const tabLabel = added[1][1].props.label;
if (!tabLabel || tabLabel.$$typeof !== Symbol.for('react.element') || !renderToStaticMarkup(tabLabel).includes('Video')) {
  fail('the Video tab label is not an element rendering the VideoEscalationTabLabel string');
}
if (!header.includes('data-page-flex="IconButton"') || !header.includes('data-icon="Video"') || header.includes('aria-pressed')) {
  fail(`the header button is not the page's Flex IconButton with the Video icon (or is a toggle): ${header.slice(0, 300)}`);
}
console.error(`bundle smoke check: ${pkg.name}@${pkg.version} loads, registers and initialises in a Flex-like page`);
