import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { RouterProvider } from '@tanstack/react-router'
import { KpbotProvider } from './api/react'
import { router } from './router'
import './index.css'

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <KpbotProvider>
      <RouterProvider router={router} />
    </KpbotProvider>
  </StrictMode>,
)
