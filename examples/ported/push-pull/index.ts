/* eslint-disable import/no-unassigned-import */
import "./producer.js"
import "./worker.js"
