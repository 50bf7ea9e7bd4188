// The Blockly the Code page needs (issue 20): the core, the standard blocks, the JavaScript generator, English.
import * as Blockly from "blockly/core";
import "blockly/blocks";
import { javascriptGenerator, Order } from "blockly/javascript";
import * as En from "blockly/msg/en";

Blockly.setLocale(En);
export { Blockly, javascriptGenerator, Order };
