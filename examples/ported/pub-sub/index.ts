/* eslint-disable import/no-unassigned-import */
import "./publisher.js"
import "./subscriber.js"
