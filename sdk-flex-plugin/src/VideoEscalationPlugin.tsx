import type * as Flex from '@twilio/flex-ui';
import { FlexPlugin } from '@twilio/flex-plugin';
import { setupPlugin } from './setup';

const PLUGIN_NAME = 'VideoEscalationPlugin';

export default class VideoEscalationPlugin extends FlexPlugin {
  constructor() {
    super(PLUGIN_NAME);
  }

  /** Called by Flex once, with the Flex global and the Manager. */
  async init(flex: typeof Flex, manager: Flex.Manager): Promise<void> {
    setupPlugin(flex, manager);
  }
}
