/* eslint-disable import/no-unassigned-import */
import "./client.js"
import "./server.js"
