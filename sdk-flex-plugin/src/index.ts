import * as FlexPlugin from '@twilio/flex-plugin';
import VideoEscalationPlugin from './VideoEscalationPlugin';

FlexPlugin.loadPlugin(VideoEscalationPlugin);
